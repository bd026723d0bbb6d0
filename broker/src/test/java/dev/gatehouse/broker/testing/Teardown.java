package dev.gatehouse.broker.testing;

/** Stops a test's parts each on its own, so one that fails to stop does not leave the others running. */
public final class Teardown {

    private Teardown() {
    }

    /** Closes {@code part} (null is nothing to close), reporting rather than throwing a failure to stop. */
    public static void quietly(AutoCloseable part) {
        if (part == null) {
            return;
        }
        try {
            part.close();
        } catch (Exception e) {
            System.err.println("could not stop " + part.getClass().getSimpleName() + ": " + e);
        }
    }
}
