package dev.gatehouse.broker.recording;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.masking.MaskSummary;
import dev.gatehouse.activities.masking.MaskedBytes;
import dev.gatehouse.activities.masking.MaskingProfile;

import java.nio.charset.StandardCharsets;

/**
 * A message from an upstream, read once for its record: masked, made storable, and what the
 * record's columns need. Upstreams can send anything; what is not JSON is kept as a string.
 */
record UpstreamMessage(String method, String id, boolean isError, String payload, MaskedBytes maskedBytes) {

    static UpstreamMessage read(byte[] raw, MaskingProfile profile) {
        MaskedBytes masked;
        try {
            masked = profile.mask(raw);
        } catch (IllegalArgumentException notJson) {
            String text = new String(raw, StandardCharsets.UTF_8);
            return new UpstreamMessage(null, null, true, StorableJson.of(profile.maskValue(
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(text)).value()),
                    new MaskedBytes(raw, MaskSummary.none()));
        }
        JsonNode node = StorableJson.parse(masked.bytes());
        JsonNode id = node.get("id");
        boolean isError = node.has("error") || node.path("result").path("isError").asBoolean(false);
        return new UpstreamMessage(node.path("method").textValue(), id == null || id.isNull() ? null : id.toString(), isError,
                StorableJson.of(node), masked);
    }

    MaskSummary masked() {
        return maskedBytes.summary();
    }
}
