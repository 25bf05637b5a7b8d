package dev.streamtrain.jobs;

import dev.streamtrain.trainer.TrainingReport;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes training reports to the TaskManager log (the Flink metrics carry the same numbers). */
public final class ReportLogSink implements Sink<TrainingReport> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReportLogSink.class);

    @Override
    public SinkWriter<TrainingReport> createWriter(WriterInitContext context) {
        return new SinkWriter<>() {
            @Override
            public void write(TrainingReport report, Context ctx) {
                LOG.info("training: {}", report);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
