package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;

/**
 * An approval-gated call seen as an MCP task (2025-11-25 {@code Task}): its id is the approval id.
 *
 * @param status        {@code working}, {@code completed}, {@code failed} or {@code cancelled} (never
 *                      {@code input_required}: an approval needs nothing more from its caller)
 * @param statusMessage what the call waits for, or how it ended, in words
 * @param ttl           how long after creation the task stays retrievable
 */
record ApprovalTask(String taskId, String status, String statusMessage, Instant createdAt, Instant lastUpdatedAt,
                    Duration ttl, Duration pollInterval) {

    static final Set<String> STATUSES = Set.of("working", "completed", "failed", "cancelled");

    ApprovalTask {
        Objects.requireNonNull(taskId, "taskId");
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("task " + taskId + " has unknown status '" + status + "'");
        }
        Objects.requireNonNull(statusMessage, "statusMessage");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastUpdatedAt, "lastUpdatedAt");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(pollInterval, "pollInterval");
    }

    boolean isTerminal() {
        return !"working".equals(status);
    }

    ObjectNode toJson(ObjectMapper json) {
        ObjectNode task = json.createObjectNode();
        task.put("taskId", taskId);
        task.put("status", status);
        task.put("statusMessage", statusMessage);
        task.put("createdAt", createdAt.truncatedTo(ChronoUnit.MILLIS).toString());
        task.put("lastUpdatedAt", lastUpdatedAt.truncatedTo(ChronoUnit.MILLIS).toString());
        task.put("ttl", ttl.toMillis());
        task.put("pollInterval", pollInterval.toMillis());
        return task;
    }
}
