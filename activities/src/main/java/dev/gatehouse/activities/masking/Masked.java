package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/** A masked copy of a JSON value and what was masked in it. */
public record Masked(JsonNode value, MaskSummary summary) {

    public Masked {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(summary, "summary");
    }
}
