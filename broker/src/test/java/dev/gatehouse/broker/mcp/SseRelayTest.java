package dev.gatehouse.broker.mcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class SseRelayTest {

    private final StreamKeepAlive keepAlive = new StreamKeepAlive(Duration.ofMillis(200));

    @AfterEach
    void stop() {
        keepAlive.close();
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void relaysEventsByteForByte() {
        String upstream = "id: 1\nretry: 500\ndata:\n\n: comment\n\nevent: message\r\ndata: {\"a\":1}\r\n\r\n";
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        SseRelay.Outcome outcome = new SseRelay(1024, MessageFilter.NONE, keepAlive).relay(stream(upstream), client);
        assertThat(outcome).isEqualTo(SseRelay.Outcome.UPSTREAM_CLOSED);
        assertThat(client.toString(StandardCharsets.UTF_8)).isEqualTo(upstream);
    }

    @Test
    void stopsAtAnEventOverTheLimit() {
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        String upstream = "data: small\n\ndata: " + "x".repeat(2000) + "\n\n";
        SseRelay.Outcome outcome = new SseRelay(1024, MessageFilter.NONE, keepAlive).relay(stream(upstream), client);
        assertThat(outcome).isEqualTo(SseRelay.Outcome.EVENT_TOO_LARGE);
        assertThat(client.toString(StandardCharsets.UTF_8)).isEqualTo("data: small\n\n");
    }

    @Test
    void rewritesOnlyTheMessagesTheFilterChangesKeepingTheEventsOtherFields() {
        MessageFilter filter = json -> json.contains("\"secret\"") ? "{\"redacted\":true}" : json;
        String upstream = "id: 7\nevent: message\ndata: {\"secret\":1}\n\nid: 8\ndata: {\"fine\":1}\n\n";
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        new SseRelay(1024, filter, keepAlive).relay(stream(upstream), client);
        assertThat(client.toString(StandardCharsets.UTF_8))
                .isEqualTo("id: 7\nevent: message\ndata: {\"redacted\":true}\n\nid: 8\ndata: {\"fine\":1}\n\n");
    }

    @Test
    void tellsAStreamThatBrokeOffFromOneThatEnded() {
        java.io.InputStream dying = new java.io.SequenceInputStream(stream("data: progress\n\ndata: {\"half"), new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        SseRelay relay = new SseRelay(1024, MessageFilter.NONE, keepAlive);
        assertThat(relay.relay(dying, client)).isEqualTo(SseRelay.Outcome.UPSTREAM_BROKE_OFF);
        assertThat(relay.failure()).hasMessage("connection reset");
        assertThat(client.toString(StandardCharsets.UTF_8)).as("the event cut in half is not passed on").isEqualTo("data: progress\n\n");
    }

    /** An upstream stream that never sends; like Jetty's, closing it wakes a blocked reader with an error. */
    private static final class SilentUpstream extends java.io.InputStream {
        final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

        @Override
        public int read() throws IOException {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("aborted");
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    /** A caller who went away: every write fails. */
    private static OutputStream goneClient() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        };
    }

    @Test
    void noticesACallerWhoLeftASilentStreamAndReleasesTheUpstream() {
        SilentUpstream upstream = new SilentUpstream();
        OutputStream goneClient = goneClient();
        // The upstream never sends anything; only the keep-alive write can find out the caller is gone.
        SseRelay.Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> new SseRelay(1024, MessageFilter.NONE, keepAlive).relay(upstream, goneClient));
        assertThat(outcome).isEqualTo(SseRelay.Outcome.CLIENT_GONE);
        assertThat(upstream.closed.getCount()).as("upstream stream released").isZero();
    }

    @Test
    void sendsKeepAlivesBetweenEventsWhileTheUpstreamIsQuiet() throws Exception {
        PipedOutputStream upstreamWriter = new PipedOutputStream();
        PipedInputStream upstream = new PipedInputStream(upstreamWriter);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        Thread relay = Thread.ofVirtual().start(() -> new SseRelay(1024, MessageFilter.NONE, keepAlive).relay(upstream, client));
        upstreamWriter.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
        upstreamWriter.flush();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            while (!client.toString(StandardCharsets.UTF_8).contains(": keep-alive")) {
                Thread.onSpinWait();
            }
        });
        upstreamWriter.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
        upstreamWriter.close();
        relay.join(Duration.ofSeconds(10));
        assertThat(client.toString(StandardCharsets.UTF_8)).startsWith("data: first\n\n: keep-alive\n\n").endsWith("data: second\n\n");
    }

    /** A filter like the recording one: staging queues the message, releasing waits for its commit. */
    private static final class CommitGate implements MessageFilter {
        final java.util.List<String> staged = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final java.util.concurrent.CountDownLatch secondStaged = new java.util.concurrent.CountDownLatch(1);
        final String refuse;

        CommitGate(String refuse) {
            this.refuse = refuse;
        }

        @Override
        public String apply(String json) {
            return stage(json).release();
        }

        @Override
        public Staged stage(String json) {
            staged.add(json);
            if (staged.size() == 2) {
                secondStaged.countDown();
            }
            return () -> {
                if (json.equals(refuse)) {
                    throw new McpRefusal(McpRefusal.Reason.STORAGE_UNAVAILABLE, "the audit store is unavailable");
                }
                try {
                    // The first message's "commit" lands only once the next one is staged: a relay that waited
                    // for each message before reading the next would never get there.
                    if (json.equals("1") && !secondStaged.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        throw new AssertionError("the second event was not read while the first waited");
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return json;
            };
        }
    }

    @Test
    void readsTheNextEventWhileTheLastWaitsForItsCommitAndKeepsTheirOrder() {
        CommitGate gate = new CommitGate(null);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        SseRelay.Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> new SseRelay(1024, gate, keepAlive).relay(stream("data: 1\n\nid: 2\ndata: 2\n\ndata: 3\n\n"), client));
        assertThat(outcome).isEqualTo(SseRelay.Outcome.UPSTREAM_CLOSED);
        assertThat(client.toString(StandardCharsets.UTF_8)).isEqualTo("data: 1\n\nid: 2\ndata: 2\n\ndata: 3\n\n");
    }

    @Test
    void anEventThatCannotBeRecordedIsTheLastThingTheRelayConsiders() {
        CommitGate gate = new CommitGate("2");
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        SseRelay relay = new SseRelay(1024, gate, keepAlive);
        SseRelay.Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> relay.relay(stream("data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n"), client));
        assertThat(outcome).isEqualTo(SseRelay.Outcome.NOT_RECORDED);
        assertThat(relay.refusal()).hasMessageContaining("audit store is unavailable");
        assertThat(client.toString(StandardCharsets.UTF_8)).as("nothing after the unrecorded event reaches the caller")
                .isEqualTo("data: 1\n\n");
    }

    @Test
    void aCallerWhoLeftStopsTheReaderOfAFilteredStream() {
        SilentUpstream upstream = new SilentUpstream();
        OutputStream goneClient = goneClient();
        SseRelay.Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> new SseRelay(1024, new CommitGate(null), keepAlive).relay(upstream, goneClient));
        assertThat(outcome).isEqualTo(SseRelay.Outcome.CLIENT_GONE);
        assertThat(upstream.closed.getCount()).as("upstream stream released").isZero();
    }

    @Test
    void aFilterThatFailsWhileStagingFailsTheRelayInsteadOfHangingIt() {
        MessageFilter broken = new MessageFilter() {
            @Override
            public String apply(String json) {
                return json;
            }

            @Override
            public Staged stage(String json) {
                throw new IllegalStateException("masking blew up");
            }
        };
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        IllegalStateException thrown = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> org.junit.jupiter.api.Assertions
                .assertThrows(IllegalStateException.class, () -> new SseRelay(1024, broken, keepAlive).relay(stream("data: 1\n\n"), client)));
        assertThat(thrown).hasMessage("masking blew up");
        assertThat(client.size()).as("nothing reached the caller").isZero();
    }
}
