package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: for any JSON-RPC message, both ways of masking give valid JSON of the same shape,
 * agree with each other, keep the protocol members, and let none of the planted values through.
 * Run with {@code -Dmasking.seed=N} to replay a failure; the seed is in every failure message.
 */
class RandomMessagesTest {

    private static final int MESSAGES = 2_000;
    // Big decimals, so that comparing numbers is exact.
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final MaskingProfiles PROFILES = MaskingProfiles.compile(List.of(new MaskingProfileSpec("rules",
            List.of("pii", "ip", "secrets", "card:last4"),
            List.of(CustomRule.path("notes", "**.note"), CustomRule.path("customer", "customer.*"),
                    CustomRule.path("first-item", "items.0"), CustomRule.path("deep-rows", "rows.*.*"),
                    CustomRule.pattern("euro", "EUR \\d+")))));
    private static final MaskingProfile DEFAULT = PROFILES.profile("default");
    private static final MaskingProfile RULES = PROFILES.profile("rules");

    @Test
    void maskedMessagesAreValidSameShapedAndFreeOfPlantedValues() throws Exception {
        long seed = Long.getLong("masking.seed", 20_260_728L);
        RandomMessages messages = new RandomMessages(seed);
        for (int i = 0; i < MESSAGES; i++) {
            ObjectNode message = messages.message(i);
            List<String> planted = messages.takePlanted();
            byte[] bytes = JSON.writeValueAsBytes(message);
            String context = "seed " + seed + ", message " + i + ": " + new String(bytes, StandardCharsets.UTF_8);

            Masked tree = DEFAULT.mask(message);
            MaskedBytes masked = DEFAULT.mask(bytes);
            JsonNode fromBytes = JSON.readTree(masked.bytes());

            assertThat(fromBytes.equals(JsonCodec.SAME_VALUE, tree.value())).as(context).isTrue();
            assertThat(masked.summary()).as(context).isEqualTo(tree.summary());
            if (!masked.changed()) {
                assertThat(masked.bytes()).as(context).isSameAs(bytes);
            }
            for (String member : List.of("jsonrpc", "id", "method")) {
                assertThat(fromBytes.get(member)).as(context).isEqualTo(message.get(member));
            }
            assertSameShape(message, fromBytes, "$", context);
            List<String> strings = new ArrayList<>();
            collectStrings(fromBytes, strings);
            for (String value : planted) {
                assertThat(strings).as(context).noneMatch(string -> string.contains(value));
            }
            if (!planted.isEmpty()) {
                assertThat(tree.summary().total()).as(context).isPositive();
            }
        }
    }

    @Test
    void pathAndPatternRulesGiveTheSameResultFromBytesAndTree() throws Exception {
        long seed = Long.getLong("masking.seed", 20_260_728L) + 1;
        RandomMessages messages = new RandomMessages(seed);
        for (int i = 0; i < MESSAGES; i++) {
            ObjectNode message = messages.message(i);
            List<String> planted = messages.takePlanted();
            byte[] bytes = JSON.writeValueAsBytes(message);
            String context = "seed " + seed + ", message " + i + ": " + new String(bytes, StandardCharsets.UTF_8);

            Masked tree = RULES.mask(message);
            MaskedBytes masked = RULES.mask(bytes);
            JsonNode fromBytes = JSON.readTree(masked.bytes());

            assertThat(fromBytes.equals(JsonCodec.SAME_VALUE, tree.value())).as(context).isTrue();
            assertThat(masked.summary()).as(context).isEqualTo(tree.summary());
            if (!masked.changed()) {
                assertThat(masked.bytes()).as(context).isSameAs(bytes);
            }
            List<String> strings = new ArrayList<>();
            collectStrings(fromBytes, strings);
            for (String value : planted) {
                assertThat(strings).as(context).noneMatch(string -> string.contains(value));
            }
        }
    }

    private static void assertSameShape(JsonNode original, JsonNode masked, String path, String context) {
        assertThat(masked.getNodeType()).as(path + " in " + context).isEqualTo(original.getNodeType());
        if (original.isObject()) {
            List<String> originalKeys = new ArrayList<>();
            original.fieldNames().forEachRemaining(originalKeys::add);
            List<String> maskedKeys = new ArrayList<>();
            masked.fieldNames().forEachRemaining(maskedKeys::add);
            assertThat(maskedKeys).as(path + " in " + context).isEqualTo(originalKeys);
            for (String key : originalKeys) {
                assertSameShape(original.get(key), masked.get(key), path + "." + key, context);
            }
        } else if (original.isArray()) {
            assertThat(masked.size()).as(path + " in " + context).isEqualTo(original.size());
            Iterator<JsonNode> maskedElements = masked.elements();
            int index = 0;
            for (JsonNode element : original) {
                assertSameShape(element, maskedElements.next(), path + "[" + index++ + "]", context);
            }
        } else if (!original.isTextual()) {
            assertThat(masked.equals(JsonCodec.SAME_VALUE, original)).as(path + " in " + context).isTrue();
        }
    }

    /** Every string, and the strings of every string that holds JSON, where an escaped value could hide. */
    private static void collectStrings(JsonNode node, List<String> strings) {
        if (node.isTextual()) {
            strings.add(node.textValue());
            JsonNode nested = JsonCodec.readStructure(node.textValue());
            if (nested != null) {
                collectStrings(nested, strings);
            }
        }
        node.forEach(child -> collectStrings(child, strings));
    }
}
