package dev.gatehouse.broker.temporal;

import dev.gatehouse.workflows.gated.ApprovalRecordActivities;
import dev.gatehouse.workflows.gated.ForwardActivities;
import dev.gatehouse.workflows.gated.NotifyActivities;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The activity implementations a gated-call worker runs; one object may implement several of them. */
public record GatedCallActivities(ApprovalRecordActivities records, NotifyActivities notifier, ForwardActivities forwarder) {

    public GatedCallActivities {
        Objects.requireNonNull(records, "records (ApprovalRecordActivities) is required");
        Objects.requireNonNull(notifier, "notifier (NotifyActivities) is required");
        Objects.requireNonNull(forwarder, "forwarder (ForwardActivities) is required");
    }

    /**
     * Each implementation once: a worker registers every activity interface an object implements,
     * and refuses to register the same activity type twice.
     */
    List<Object> implementations() {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Object> distinct = new ArrayList<>();
        for (Object implementation : List.of(records, notifier, forwarder)) {
            if (seen.add(implementation)) {
                distinct.add(implementation);
            }
        }
        return distinct;
    }
}
