package dev.gatehouse.activities.audit;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.OptionalLong;

/**
 * Checks one session's events, fed in stored sequence order, one at a time (constant memory), and
 * names the first broken link. Shared by the database verifier and the offline export verifier.
 *
 * <p>How the problems are told apart, at the first row that does not continue the chain
 * (expected seq {@code n}, predecessor hash {@code p}):
 * <ol>
 *   <li>the row's seq is beyond {@code n} (a gap) — REORDERED if some other row of the session
 *       has {@code prev_hash = p} (the row that belongs at {@code n} was moved), else MISSING;</li>
 *   <li>the row is at {@code n} but its {@code prev_hash} is not {@code p} — EDITED if the row
 *       hashes correctly from {@code p} (only its prev_hash column was changed); REORDERED if another
 *       row has {@code prev_hash = p} (two rows exchanged places); else MISSING (what followed
 *       {@code n-1} is gone: rows deleted and later ones renumbered, or {@code n-1} rewritten together
 *       with its hash — the rows alone cannot tell those apart);</li>
 *   <li>the row is at {@code n} and links to {@code p}, but its recomputed hash differs — EDITED.</li>
 * </ol>
 * After the last row, the session's event_count/head_hash must name it — else HEAD_MISMATCH
 * (trailing rows deleted). Looking for "another row with prev_hash = p" happens only once a link is
 * broken, so an intact chain costs one pass.
 */
final class ChainWalk {

    /** Finds, among a session's rows, one that links to a given hash; only asked once a chain is broken. */
    interface Lookup {
        /** The seq of a row of {@code sessionId} other than {@code notSeq} whose prev_hash is {@code prevHash}. */
        OptionalLong seqLinkingTo(String sessionId, byte[] prevHash, long notSeq);
    }

    private static final HexFormat HEX = HexFormat.of();

    private final String sessionId;
    private final Lookup lookup;
    private long expected = 1;
    private byte[] prev = EventHash.genesis();

    ChainWalk(String sessionId, Lookup lookup) {
        this.sessionId = sessionId;
        this.lookup = lookup;
    }

    /** Events that linked so far. */
    long linked() {
        return expected - 1;
    }

    /** Checks the next stored row; returns the break it shows, or null when it continues the chain. */
    ChainCheck.Broken accept(StoredEvent row) {
        long n = expected;
        if (!row.sessionId().equals(sessionId)) {
            return broken(row.seq(), ChainCheck.Problem.UNKNOWN_SESSION,
                    "an event of session " + row.sessionId() + " appears among the events of " + sessionId);
        }
        if (row.seq() < n) {
            return broken(row.seq(), ChainCheck.Problem.REORDERED, "seq " + row.seq() + " appears again after seq " + (n - 1));
        }
        if (row.seq() > n) {
            OptionalLong moved = lookup.seqLinkingTo(sessionId, prev, n);
            if (moved.isPresent()) {
                return broken(n, ChainCheck.Problem.REORDERED, "no row has seq " + n + "; the row that follows seq " + (n - 1)
                        + " is stored at seq " + moved.getAsLong());
            }
            return broken(n, ChainCheck.Problem.MISSING, (row.seq() - n == 1 ? "seq " + n + " is" : "seqs " + n + ".." + (row.seq() - 1) + " are")
                    + " missing: the next row stored is seq " + row.seq());
        }
        byte[] content;
        try {
            content = row.contentDigest();
        } catch (RuntimeException e) {
            return broken(n, ChainCheck.Problem.EDITED, "the row holds what the broker never writes: " + e.getMessage());
        }
        byte[] fromPrev = EventHash.link(prev, n, content);
        if (!Arrays.equals(row.prevHash(), prev)) {
            if (Arrays.equals(fromPrev, row.hash())) {
                return broken(n, ChainCheck.Problem.EDITED, "prev_hash was changed to " + hex(row.prevHash())
                        + "; the row's content and hash still follow seq " + (n - 1));
            }
            OptionalLong moved = lookup.seqLinkingTo(sessionId, prev, n);
            if (moved.isPresent()) {
                return broken(n, ChainCheck.Problem.REORDERED, "the row at seq " + n + " does not follow seq " + (n - 1)
                        + "; the row that does is stored at seq " + moved.getAsLong());
            }
            return broken(n, ChainCheck.Problem.MISSING, "the row at seq " + n + " does not follow seq " + (n - 1)
                    + " (its prev_hash is " + hex(row.prevHash()) + ", seq " + (n - 1) + "'s hash is " + hex(prev)
                    + ") and no row does: what followed seq " + (n - 1) + " was deleted, or seq " + (n - 1)
                    + " was rewritten with a new hash");
        }
        if (!Arrays.equals(fromPrev, row.hash())) {
            return broken(n, ChainCheck.Problem.EDITED, "the row's content does not match its hash: it was changed after it was written");
        }
        prev = row.hash();
        expected++;
        return null;
    }

    /** Checks the session row's head against the last linked row; returns the mismatch, or null. */
    ChainCheck.Broken finish(long headCount, byte[] headHash) {
        long last = expected - 1;
        if (headCount > last) {
            long gone = headCount - last;
            return broken(last + 1, ChainCheck.Problem.HEAD_MISMATCH, "the session's head says " + headCount
                    + " events but the chain ends at seq " + last + ": " + (gone == 1 ? "the last row was" : "the last " + gone + " rows were")
                    + " deleted");
        }
        if (headCount < last) {
            return broken(headCount + 1, ChainCheck.Problem.HEAD_MISMATCH, "the session's head says " + headCount
                    + " events but rows continue to seq " + last + ": they were added outside the writer, or the head was edited");
        }
        byte[] expectedHead = last == 0 ? null : prev;
        if (!Arrays.equals(headHash, expectedHead)) {
            return broken(last, ChainCheck.Problem.HEAD_MISMATCH, "the session's head_hash " + hex(headHash)
                    + " is not the hash of seq " + last + " (" + hex(expectedHead) + "): the last row was replaced or the head edited");
        }
        return null;
    }

    private ChainCheck.Broken broken(long seq, ChainCheck.Problem problem, String detail) {
        return new ChainCheck.Broken(sessionId, seq, problem, detail);
    }

    static String hex(byte[] bytes) {
        return bytes == null ? "null" : HEX.formatHex(bytes);
    }
}
