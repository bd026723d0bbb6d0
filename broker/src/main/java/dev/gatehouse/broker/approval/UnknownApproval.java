package dev.gatehouse.broker.approval;

/** No approval has this id. */
public final class UnknownApproval extends RuntimeException {

    UnknownApproval(String approvalId) {
        super("no approval " + approvalId);
    }
}
