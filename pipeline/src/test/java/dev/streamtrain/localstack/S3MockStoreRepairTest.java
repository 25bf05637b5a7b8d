package dev.streamtrain.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3MockStoreRepairTest {

    @Test
    void anEmptyVersionsFileIsRebuiltFromTheObjectsVersionsOldestFirst(@TempDir Path root) throws Exception {
        Path object = Files.createDirectories(root.resolve("bucket").resolve("obj-1"));
        Files.writeString(object.resolve("v2-objectMetadata.json"), "{}");
        Files.writeString(object.resolve("v2-binaryData"), "b");
        Files.writeString(object.resolve("v1-objectMetadata.json"), "{}");
        Files.setLastModifiedTime(object.resolve("v1-objectMetadata.json"), FileTime.fromMillis(1_000));
        Files.setLastModifiedTime(object.resolve("v2-objectMetadata.json"), FileTime.fromMillis(2_000));
        Files.createFile(object.resolve("versions.json"));
        Path healthy = Files.createDirectories(root.resolve("bucket").resolve("obj-2"));
        String intact = "{\"id\":\"obj-2\",\"versions\":[\"a\"],\"latestVersion\":\"a\"}";
        Files.writeString(healthy.resolve("versions.json"), intact);

        assertEquals(1, S3MockStoreRepair.repair(root));

        JsonNode rebuilt =
                new ObjectMapper().readTree(object.resolve("versions.json").toFile());
        assertEquals("obj-1", rebuilt.path("id").asText());
        assertEquals(
                List.of("v1", "v2"),
                List.of(
                        rebuilt.path("versions").get(0).asText(),
                        rebuilt.path("versions").get(1).asText()));
        assertEquals("v2", rebuilt.path("latestVersion").asText());
        assertEquals(intact, Files.readString(healthy.resolve("versions.json")), "an intact file is left alone");
        assertEquals(0, S3MockStoreRepair.repair(root.resolve("missing")), "no store yet: nothing to do");
    }
}
