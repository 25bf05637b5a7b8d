/**
 * The last step of the data flow: the checkpoint event that announces a committed epoch-window
 * (or a retention delete, or a rollback) on the event topic, and its Kafka serializer. Schema and
 * lineage rule: docs/events.md.
 */
package dev.streamtrain.events;
