package dev.gatehouse.broker.config;

import java.time.Duration;

/**
 * How approval-gated calls behave beyond each rule's approval parameters.
 *
 * @param replayWindow        after a gated call completes, an identical call within this window gets the recorded
 *                            result instead of a new approval (a client retrying after a dropped connection)
 * @param maxPendingPerCaller how many approvals one caller may have waiting at once, so a workload cannot flood
 *                            its approvers
 */
public record GatedCallSettings(Duration replayWindow, Integer maxPendingPerCaller) {

    public GatedCallSettings {
        replayWindow = replayWindow == null ? Duration.ofMinutes(10) : replayWindow;
        if (replayWindow.isNegative()) {
            throw new IllegalArgumentException("replayWindow cannot be negative");
        }
        maxPendingPerCaller = maxPendingPerCaller == null ? 5 : maxPendingPerCaller;
        if (maxPendingPerCaller < 1) {
            throw new IllegalArgumentException("maxPendingPerCaller cannot be less than 1");
        }
    }

    public static GatedCallSettings defaults() {
        return new GatedCallSettings(null, null);
    }
}
