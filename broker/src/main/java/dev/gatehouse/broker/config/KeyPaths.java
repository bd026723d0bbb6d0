package dev.gatehouse.broker.config;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonMappingException;

import java.util.List;

/** Writes key paths the way operators read them: {@code upstreams[0].headers.Authorization}. */
final class KeyPaths {

    private KeyPaths() {
    }

    static String of(JsonPointer pointer) {
        StringBuilder s = new StringBuilder();
        for (JsonPointer p = pointer; p != null && !p.matches(); p = p.tail()) {
            if (p.getMatchingIndex() >= 0 && p.getMatchingProperty().chars().allMatch(Character::isDigit)) {
                s.append('[').append(p.getMatchingIndex()).append(']');
            } else {
                if (!s.isEmpty()) {
                    s.append('.');
                }
                s.append(p.getMatchingProperty());
            }
        }
        return s.toString();
    }

    static String of(List<JsonMappingException.Reference> path) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference ref : path) {
            if (ref.getIndex() >= 0) {
                s.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                if (!s.isEmpty()) {
                    s.append('.');
                }
                s.append(ref.getFieldName());
            }
        }
        return s.toString();
    }
}
