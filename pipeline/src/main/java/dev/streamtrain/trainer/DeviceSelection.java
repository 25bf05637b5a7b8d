package dev.streamtrain.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Maps {@link ModelSpec.DeviceChoice} to the device DJL will actually use. */
final class DeviceSelection {

    private DeviceSelection() {}

    static Device resolve(ModelSpec.DeviceChoice choice, Engine engine) {
        int gpus = engine.getGpuCount();
        switch (choice) {
            case CPU:
                return Device.cpu();
            case GPU:
                // DJL reports 0 GPUs (and would silently use the CPU) when it cannot load
                // libcudart or got the CPU build of libtorch; an explicit request must not.
                if (gpus == 0) {
                    throw new IllegalStateException("device=GPU but DJL's " + engine.getEngineName() + " engine "
                            + engine.getVersion() + " sees no GPU: check that the CUDA"
                            + " libtorch is installed (PYTORCH_LIBRARY_PATH or DJL's"
                            + " download) and libcudart loads, or use device=AUTO/CPU");
                }
                return Device.gpu();
            case AUTO:
                return gpus > 0 ? Device.gpu() : Device.cpu();
            default:
                throw new IllegalArgumentException("unsupported device choice " + choice);
        }
    }
}
