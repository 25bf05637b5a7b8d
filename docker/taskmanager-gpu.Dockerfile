# Flink 2.2 TaskManager with DJL's CUDA 12.8 build of libtorch 2.7.1, for docker-compose.gpu.yml.
#
# DJL (pytorch-engine 0.36.0) loads libtorch from PYTORCH_LIBRARY_PATH when that folder holds
# libtorch.so, and then takes its JNI glue (libdjl_torch.so) from the pytorch-jni jar in Flink's lib/
# for PYTORCH_VERSION + PYTORCH_FLAVOR: that jar carries jnilib/linux-x86_64/cu128/. Without
# PYTORCH_FLAVOR, DJL assumes "cpu-precxx11" for a library given this way and finds no JNI for it.
# The files are the ones DJL itself downloads on first use (its published build, listed in
# files.txt), fetched here at build time, so that the TaskManager never downloads (offline).
#
# Untested: no Docker engine and no GPU on this project's build machines. DJL reports 0 GPUs and
# trains on the CPU when it cannot load the CUDA runtime; the trainer logs the device it uses.
FROM flink:2.2.0-java17

ARG PYTORCH_VERSION=2.7.1
ARG PYTORCH_FLAVOR=cu128
ARG DJL_PYTORCH_BASE=https://publish.djl.ai/pytorch

# bash: the loop below decodes %XX in file names; pipefail: a failed download fails the build.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The Flink image ends with USER flink; downloading into /opt needs root for this step only.
USER root
RUN set -eux; \
    dest=/opt/libtorch/lib; mkdir -p "$dest"; \
    base="$DJL_PYTORCH_BASE/$PYTORCH_VERSION"; \
    wget -qO- "$base/files.txt" | tr -d '\r' | grep "^$PYTORCH_FLAVOR/linux-x86_64/native/lib/" > /tmp/files.txt; \
    test -s /tmp/files.txt; \
    while read -r f; do \
      name=$(basename "$f" .gz); name=$(printf '%b' "${name//%/\\x}"); \
      wget -qO- "$base/$f" | gunzip > "$dest/$name"; \
    done < /tmp/files.txt; \
    test -f "$dest/libtorch.so"; \
    rm /tmp/files.txt
USER flink

ENV PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=${PYTORCH_VERSION} \
    PYTORCH_FLAVOR=${PYTORCH_FLAVOR} \
    DJL_OFFLINE=true \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
