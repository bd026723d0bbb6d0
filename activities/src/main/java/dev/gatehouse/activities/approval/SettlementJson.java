package dev.gatehouse.activities.approval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.gatehouse.notifier.Settlement;

/** A settlement as the notice ledger stores it, so a notice delivered late can be settled the same way. */
final class SettlementJson {

    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    String write(Settlement settlement) {
        try {
            return json.writeValueAsString(settlement);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot store the settlement of approval " + settlement.call().approvalId(), e);
        }
    }

    Settlement read(String stored) {
        try {
            return json.readValue(stored, Settlement.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored settlement cannot be read: " + e.getOriginalMessage(), e);
        }
    }
}
