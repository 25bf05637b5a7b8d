/**
 * Learnable synthetic sample streams (a fixed random teacher network plus noise) and one invalid
 * record of every kind, for {@code ./streamtrain local}, {@code produce}, {@code bench} and tests.
 */
package dev.streamtrain.sample.synthetic;
