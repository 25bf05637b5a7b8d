/**
 * The model store, after training: writes each committed epoch-window to S3 in the layout of
 * docs/object-layout.md (safetensors weights and optimizer state, {@code manifest.json} last, the
 * {@code latest} pointer), reads and verifies it back, applies retention, and checks the bucket at
 * job start.
 */
package dev.streamtrain.store;
