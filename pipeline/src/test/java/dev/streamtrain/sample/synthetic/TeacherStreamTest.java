package dev.streamtrain.sample.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.sample.DecodedRecord;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleDecoder;
import dev.streamtrain.sample.SampleFormat;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TeacherStreamTest {

    @Test
    void theSameSeedGivesTheSameStream() {
        TeacherStream a = TeacherStream.builder().featureDim(8).seed(7).build();
        TeacherStream b = TeacherStream.builder().featureDim(8).seed(7).build();
        for (int i = 0; i < 200; i++) {
            assertEquals(a.next(), b.next());
        }
        assertEquals(200, a.produced());
        assertFalse(Arrays.equals(
                TeacherStream.builder().featureDim(8).seed(8).build().next().features,
                TeacherStream.builder().featureDim(8).seed(7).build().next().features));
    }

    @Test
    void aDataSeedChangesTheInputsButNotTheTeacher() {
        TeacherStream a = TeacherStream.builder().featureDim(4).seed(1).build();
        TeacherStream b =
                TeacherStream.builder().featureDim(4).seed(1).dataSeed(99).build();
        Sample sa = a.next();
        assertFalse(Arrays.equals(sa.features, b.next().features));
        assertArrayEquals(a.teacher(sa.features), b.teacher(sa.features));
    }

    @Test
    void regressionLabelsAreTheTeacherPlusTheRequestedNoise() {
        TeacherStream s = TeacherStream.builder()
                .featureDim(8)
                .noiseStd(0.1)
                .eventTime(1000, 10)
                .build();
        double sumSq = 0;
        double labelSumSq = 0;
        int n = 4000;
        for (int i = 0; i < n; i++) {
            Sample x = s.next();
            assertEquals(1000 + 10L * i, x.eventTimeMillis);
            double r = x.label[0] - s.teacher(x.features)[0];
            sumSq += r * r;
            labelSumSq += x.label[0] * x.label[0];
        }
        double noiseVar = sumSq / n;
        assertTrue(noiseVar > 0.008 && noiseVar < 0.012, "noise variance " + noiseVar);
        // a teacher that outputs nearly constants would be trivially learnable: check it has signal
        assertTrue(labelSumSq / n > 0.1, "label second moment " + labelSumSq / n);
    }

    @Test
    void aLinearTeacherIsLearnableByPlainSgdDownToTheNoiseFloor() {
        int dim = 8;
        TeacherStream s = TeacherStream.builder()
                .featureDim(dim)
                .hiddenDim(0)
                .noiseStd(0.1)
                .seed(3)
                .build();
        float[] w = new float[dim];
        float b = 0;
        for (int i = 0; i < 5000; i++) {
            Sample x = s.next();
            float err = predict(w, b, x.features) - x.label[0];
            for (int j = 0; j < dim; j++) {
                w[j] -= 0.02f * err * x.features[j];
            }
            b -= 0.02f * err;
        }
        double mse = 0;
        for (int i = 0; i < 1000; i++) {
            Sample x = s.next();
            double e = predict(w, b, x.features) - x.label[0];
            mse += e * e / 1000;
        }
        assertTrue(mse < 0.02, "held-out MSE " + mse + " (noise floor 0.01)");
    }

    @Test
    void binaryLabelsAreZeroOrOneAndBothOccur() {
        TeacherStream s = TeacherStream.builder().featureDim(6).binary(2).build();
        int ones = 0;
        for (int i = 0; i < 1000; i++) {
            for (float v : s.next().label) {
                assertTrue(v == 0f || v == 1f);
                ones += (int) v;
            }
        }
        assertTrue(ones > 400 && ones < 1600, ones + " ones in 2000 labels");
    }

    @Test
    void classLabelsAreIndicesInRange() {
        TeacherStream s = TeacherStream.builder().featureDim(6).classes(5).build();
        int[] seen = new int[5];
        for (int i = 0; i < 1000; i++) {
            float c = s.next().label[0];
            assertEquals(c, (int) c);
            seen[(int) c]++;
        }
        assertTrue(Arrays.stream(seen).filter(k -> k > 0).count() >= 3, Arrays.toString(seen));
    }

    @ParameterizedTest
    @EnumSource(SampleFormat.class)
    void encodedRecordsDecodeToTheSameSamples(SampleFormat format) {
        TeacherStream s = TeacherStream.builder()
                .format(format)
                .featureDim(5)
                .regression(2)
                .seed(11)
                .build();
        TeacherStream same = TeacherStream.builder()
                .format(format)
                .featureDim(5)
                .regression(2)
                .seed(11)
                .build();
        SampleDecoder decoder = new SampleDecoder(s.schema());
        List<TeacherStream.EncodedSample> records = s.nextEncoded(50);
        assertEquals(50, records.size());
        for (int i = 0; i < records.size(); i++) {
            TeacherStream.EncodedSample r = records.get(i);
            Sample expected = same.next().withSource("samples", 0, i);
            DecodedRecord d = decoder.decode(r.value(), "samples", 0, i, r.eventTimeMillis());
            assertEquals(expected, d.sample);
        }
    }

    private static float predict(float[] w, float b, float[] x) {
        float y = b;
        for (int j = 0; j < w.length; j++) {
            y += w[j] * x[j];
        }
        return y;
    }
}
