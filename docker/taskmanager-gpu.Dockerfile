# Flink 2.2 TaskManager with the CUDA 12.8 build of libtorch 2.7.1 for DJL's PyTorch engine.
# DJL reports 0 GPUs and silently trains on the CPU when it cannot load libcudart: the trainer logs
# the device it actually uses ("DJL trainer … on gpu(0)").
FROM flink:2.2.0-java17
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip
RUN apt-get update && apt-get install -y --no-install-recommends unzip curl && rm -rf /var/lib/apt/lists/* \
 && curl -fsSL "$LIBTORCH_URL" -o /tmp/libtorch.zip && unzip -q /tmp/libtorch.zip -d /opt && rm /tmp/libtorch.zip
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch/lib PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128 DJL_OFFLINE=true
