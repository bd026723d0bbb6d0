package dev.gatehouse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.masking.MaskedBytes;
import dev.gatehouse.activities.masking.MaskingProfile;
import dev.gatehouse.activities.masking.MaskingProfiles;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Single-threaded throughput of the {@code default} masking profile on the fast path,
 * {@code MaskingProfile.mask(byte[])}, for realistic {@code tools/call} results: clean prose,
 * clean structured JSON (with its text copy, as servers send it), the same with a little PII, and
 * PII-dense records. The payloads are generated from a fixed seed, so runs are comparable.
 *
 * <p>Throughput is reported per CPU-second of the measuring thread as well as per wall-clock
 * second: on a small shared machine the thread is often descheduled, and CPU time is what
 * "MB/s per core" means.
 *
 * <p>Usage: {@code java -cp bench/target/gatehouse-bench.jar dev.gatehouse.bench.MaskingBenchmark
 * [--warmup 10s] [--duration 3s] [--only NAME-PART]}.
 */
public final class MaskingBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = ("the a of to and in for on with is was shipped order customer report version "
            + "release build total items invoice warehouse status pending delivered returned quarterly revenue growth "
            + "team meeting agenda notes summary region north south east west product feature update migration database "
            + "latency p99 throughput error rate deploy rollback config service cluster node pod replica").split(" ");
    private static final String[] FIGURES = {"2.14.3", "2024-03-05", "14:22:05", "1,234.56", "42", "17%", "v3.1",
            "ORD-2024-118842", "#4411", "3.5x", "Q3", "12 ms", "EUR 19.99", "99.95", "(see section 4.1)"};

    private MaskingBenchmark() {
    }

    /** One kind of payload: its name and a few messages of it, used in turn. */
    private record Payload(String name, List<byte[]> messages) {

        int averageSize() {
            return (int) messages.stream().mapToInt(message -> message.length).average().orElse(0);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Duration warmup = ProxyBenchmark.seconds(options.getOrDefault("--warmup", "10s"));
        Duration duration = ProxyBenchmark.seconds(options.getOrDefault("--duration", "3s"));
        MaskingProfile profile = MaskingProfiles.compile(List.of()).profile("default");
        String only = options.getOrDefault("--only", "");

        Random random = new Random(42);
        List<Payload> payloads = Stream.of(
                new Payload("clean text 1 KiB", messages(random, 8, () -> textResult(random, 1024))),
                new Payload("clean text 64 KiB", messages(random, 4, () -> textResult(random, 64 * 1024))),
                new Payload("clean JSON 4 KiB", messages(random, 8, () -> structuredResult(random, 4 * 1024, 0))),
                new Payload("clean JSON 64 KiB", messages(random, 4, () -> structuredResult(random, 64 * 1024, 0))),
                new Payload("JSON 16 KiB, 2 PII", messages(random, 8, () -> structuredResult(random, 16 * 1024, 2))),
                new Payload("PII-dense JSON 16 KiB", messages(random, 8, () -> denseResult(random, 16 * 1024))))
                .filter(payload -> payload.name().contains(only))
                .toList();

        System.out.printf("warming up for %d s ...%n", warmup.toSeconds());
        Duration perPayload = warmup.dividedBy(payloads.size());
        for (Payload payload : payloads) {
            run(profile, payload, perPayload);
        }

        System.out.printf("%n%-24s %9s %14s %11s %14s %8s%n", "payload", "size", "MB/s per core", "MB/s wall",
                "messages/s/core", "masked");
        for (Payload payload : payloads) {
            Result result = run(profile, payload, duration);
            System.out.printf(Locale.ROOT, "%-24s %7.1f K %14.1f %11.1f %15.0f %7.0f%%%n", payload.name(),
                    payload.averageSize() / 1024.0, result.bytes / 1e6 / result.cpuSeconds, result.bytes / 1e6 / result.seconds,
                    result.messages / result.cpuSeconds, 100.0 * result.changed / result.messages);
            BenchResults.record("masking." + payload.name().replaceAll("[^A-Za-z0-9]+", "_") + ".mb_per_s_per_core",
                    result.bytes / 1e6 / result.cpuSeconds);
        }
    }

    private record Result(long messages, long bytes, long changed, double seconds, double cpuSeconds) {
    }

    private static Result run(MaskingProfile profile, Payload payload, Duration duration) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long messages = 0;
        long bytes = 0;
        long changed = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long now = start;
        while (now < end) {
            for (byte[] message : payload.messages()) {
                MaskedBytes masked = profile.mask(message);
                bytes += message.length;
                changed += masked.changed() ? 1 : 0;
                messages++;
            }
            now = System.nanoTime();
        }
        return new Result(messages, bytes, changed, (now - start) / 1e9, (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9);
    }

    private interface Maker {
        byte[] make() throws Exception;
    }

    private static List<byte[]> messages(Random random, int count, Maker maker) throws Exception {
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(maker.make());
        }
        return messages;
    }

    /** A tools/call result whose one text item is prose with figures, dates and versions but no PII. */
    private static byte[] textResult(Random random, int size) throws Exception {
        ObjectNode message = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", random.nextInt(10_000));
        ArrayNode content = message.putObject("result").putArray("content");
        content.addObject().put("type", "text").put("text", prose(random, size));
        return JSON.writeValueAsBytes(message);
    }

    /** A tools/call result with structuredContent of order records and its text copy; {@code pii} records carry an e-mail or phone. */
    private static byte[] structuredResult(Random random, int size, int pii) throws Exception {
        ObjectNode structured = JSON.createObjectNode();
        ArrayNode orders = structured.putArray("orders");
        int records = 0;
        // Text copy and structuredContent each take about half of the message.
        while (JSON.writeValueAsBytes(structured).length < size / 2) {
            orders.add(order(random, records++));
        }
        for (int i = 0; i < pii; i++) {
            ObjectNode order = (ObjectNode) orders.get(random.nextInt(orders.size()));
            order.put("notes", i % 2 == 0 ? "contact jane.doe" + i + "@example.com" : "call +44 20 7946 09" + (10 + i));
        }
        structured.put("count", records).put("nextPage", "page-2");
        return toolResult(random, structured);
    }

    private static byte[] denseResult(Random random, int size) throws Exception {
        ObjectNode structured = JSON.createObjectNode();
        ArrayNode customers = structured.putArray("customers");
        while (JSON.writeValueAsBytes(structured).length < size / 2) {
            int n = customers.size();
            customers.addObject()
                    .put("id", "cus_" + Integer.toHexString(random.nextInt()))
                    .put("name", "Customer " + n)
                    .put("email", "customer" + n + "@example.com")
                    .put("phone", "+1 415 555 " + (1000 + random.nextInt(9000)))
                    .put("card", "4242 4242 4242 4242")
                    .put("iban", "GB82 WEST 1234 5698 7654 32")
                    .put("lastLoginIp", "10.0." + random.nextInt(256) + "." + random.nextInt(256))
                    .put("since", "2021-0" + (1 + random.nextInt(9)) + "-15");
        }
        return toolResult(random, structured);
    }

    private static byte[] toolResult(Random random, ObjectNode structured) throws Exception {
        ObjectNode message = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", random.nextInt(10_000));
        ObjectNode result = message.putObject("result");
        result.putArray("content").addObject().put("type", "text").put("text", JSON.writeValueAsString(structured));
        result.set("structuredContent", structured);
        result.put("isError", false);
        return JSON.writeValueAsBytes(message);
    }

    private static ObjectNode order(Random random, int n) {
        ObjectNode order = JSON.createObjectNode()
                .put("orderId", "ORD-2024-" + (100_000 + random.nextInt(900_000)))
                .put("uuid", new java.util.UUID(random.nextLong(), random.nextLong()).toString())
                .put("createdAt", "2024-0" + (1 + random.nextInt(9)) + "-1" + random.nextInt(10) + "T1" + random.nextInt(10)
                        + ":2" + random.nextInt(10) + ":05Z")
                .put("status", random.nextBoolean() ? "shipped" : "pending")
                .put("sku", "SKU-" + (10_000 + random.nextInt(90_000)) + "-B")
                .put("quantity", 1 + random.nextInt(9))
                .put("unitPrice", (100 + random.nextInt(10_000)) / 100.0)
                .put("currency", "EUR")
                .put("warehouse", "FRA-" + random.nextInt(5))
                .put("url", "https://shop.example.com/orders/" + n + "?v=2.1")
                .put("notes", prose(random, 40 + random.nextInt(80)));
        order.putArray("tags").add(WORDS[random.nextInt(WORDS.length)]).add(WORDS[random.nextInt(WORDS.length)]);
        return order;
    }

    private static String prose(Random random, int size) {
        StringBuilder text = new StringBuilder(size + 32);
        while (text.length() < size) {
            int words = 6 + random.nextInt(12);
            for (int i = 0; i < words; i++) {
                String word = random.nextInt(8) == 0 ? FIGURES[random.nextInt(FIGURES.length)] : WORDS[random.nextInt(WORDS.length)];
                text.append(i == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word).append(i + 1 < words ? " " : "");
            }
            text.append(random.nextInt(6) == 0 ? ".\n\n" : ". ");
        }
        return text.toString();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }
}
