package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.plot.RunChartData;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.RunKey;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `plot` from a real event topic: two attempts, a rollback, a deleted epoch; the PNG decoded and looked at. */
@ExtendWith(LocalStackExtension.class)
class PlotCommandTest {

    @Test
    void plotsARunWithARollbackAndADeletedEpoch(LocalStack stack, @TempDir Path dir) throws Exception {
        try (RunEventsFixture run = new RunEventsFixture(stack)) {
            for (long epoch = 1; epoch <= 4; epoch++) {
                run.commit(epoch, 1, 2.0 / epoch, 1000 + 100 * epoch);
            }
            run.delete(1, 1);
            run.rollBack(2, 1, 2, List.of(3L, 4L));
            for (long epoch = 3; epoch <= 5; epoch++) {
                run.commit(epoch, 2, 1.5 / epoch, 900 + 50 * epoch);
            }

            Path png = dir.resolve("sub/run.png");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PlotCommand cmd = new PlotCommand();
            cmd.console = new Console(
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(cmd)
                    .execute(
                            "--bootstrap-servers",
                            stack.bootstrapServers(),
                            "--topic",
                            run.topic,
                            "--key",
                            run.key(),
                            "--out",
                            png.toString(),
                            "--width",
                            "900",
                            "--height",
                            "600");
            assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));

            JsonNode result = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
            assertEquals(7, result.path("epochs").asInt(), "4 of attempt 1, 3 of attempt 2");
            assertEquals(2, result.path("superseded").asInt(), "attempt 1's epochs 3 and 4");
            assertEquals(1, result.path("deleted").asInt());
            assertEquals(1, result.path("rollbacks").asInt());
            assertEquals("[1,2]", result.path("attempts").toString());

            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, "a PNG ImageIO can decode");
            assertEquals(900, image.getWidth());
            assertEquals(600, image.getHeight());
            Set<Integer> colours = new HashSet<>();
            int nonWhite = 0;
            for (int y = 0; y < image.getHeight(); y += 2) {
                for (int x = 0; x < image.getWidth(); x += 2) {
                    int rgb = image.getRGB(x, y) & 0xffffff;
                    colours.add(rgb);
                    nonWhite += rgb == 0xffffff ? 0 : 1;
                }
            }
            assertTrue(nonWhite > 2_000, "axes, lines and labels are drawn: " + nonWhite + " non-white samples");
            assertTrue(colours.contains(0x1f77b4), "attempt 1's colour is in the image");
            assertTrue(colours.contains(0xff7f0e), "attempt 2's colour is in the image");
        }
    }

    @Test
    void theDataMarksSupersededAndDeletedEpochsByTheLineageRules(LocalStack stack) throws Exception {
        try (RunEventsFixture run = new RunEventsFixture(stack)) {
            run.commit(1, 1, 1.0, 10);
            run.commit(2, 1, 0.5, 10);
            run.rollBack(1, 1, 2, List.of(2L));
            run.commit(2, 2, 0.4, 10);
            run.delete(2, 2);
            RunChartData data =
                    RunChartData.of(run.key(), run.events.read(RunKey.parse(run.key()), Duration.ofSeconds(30)));
            assertEquals(
                    List.of(false, true, false),
                    data.points().stream().map(RunChartData.Point::superseded).toList());
            assertEquals(
                    List.of(false, false, true),
                    data.points().stream().map(RunChartData.Point::deleted).toList());
            assertEquals(
                    List.of(1, 1, 2),
                    data.points().stream().map(RunChartData.Point::attempt).toList());
            assertEquals(1, data.rollbacks().get(0).toEpoch());
        }
    }

    @Test
    void aMissingTopicAndAnUnknownKeyExitWith4(LocalStack stack, @TempDir Path dir) throws Exception {
        try (RunEventsFixture run = new RunEventsFixture(stack)) {
            PlotCommand cmd = new PlotCommand();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            cmd.console = new Console(System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(
                    4,
                    new CommandLine(cmd)
                            .execute(
                                    "--bootstrap-servers",
                                    stack.bootstrapServers(),
                                    "--topic",
                                    run.topic,
                                    "--key",
                                    "no/such/run",
                                    "--out",
                                    dir.resolve("x.png").toString()));
            assertTrue(
                    err.toString(StandardCharsets.UTF_8).contains("no committed epoch"),
                    err.toString(StandardCharsets.UTF_8));
            assertEquals(
                    4,
                    new CommandLine(new PlotCommand())
                            .execute(
                                    "--bootstrap-servers",
                                    stack.bootstrapServers(),
                                    "--topic",
                                    run.topic + "-missing",
                                    "--key",
                                    run.key(),
                                    "--out",
                                    dir.resolve("y.png").toString()));
            assertEquals(
                    2,
                    new CommandLine(new PlotCommand())
                            .execute("--bootstrap-servers", stack.bootstrapServers(), "--key", "not-a-key"));
        }
    }
}
