package dev.gatehouse.workflows.gated;

import io.temporal.activity.ActivityInterface;

/**
 * Sends an approved call to its upstream with the broker's credentials, once. Run with a single
 * attempt: a failure after the request left may mean the upstream acted, so it becomes a
 * {@link ForwardResult#failed} result and is never retried blindly.
 */
@ActivityInterface
public interface ForwardActivities {

    /** The upstream's answer, masked with the call's profile; or why there is none. */
    ForwardResult forward(GatedCall call);
}
