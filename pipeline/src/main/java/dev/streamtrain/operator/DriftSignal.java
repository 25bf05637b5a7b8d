package dev.streamtrain.operator;

import dev.streamtrain.store.Manifest;
import java.util.Map;

/**
 * The drift detector signalled at one batch (see {@link dev.streamtrain.eval.PageHinkley}).
 *
 * @param epoch the open window then
 * @param statistic the detector's statistic at the signal
 * @param batches batches the detector had seen since its start or last signal
 * @param loss the batch's loss before its update
 * @param batchOffsets the batch's first and last offset per "topic-partition"
 */
record DriftSignal(
        long epoch, double statistic, long batches, double loss, Map<String, Manifest.OffsetRange> batchOffsets) {}
