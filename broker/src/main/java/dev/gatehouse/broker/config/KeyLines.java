package dev.gatehouse.broker.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The line on which each key of a YAML document starts, so that problems found after binding
 * (cross-references, duplicates) can still point at a line.
 */
final class KeyLines {

    private final Map<String, Integer> lines;

    private KeyLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    static KeyLines of(String yaml) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = new YAMLFactory().createParser(yaml)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    continue;
                }
                // Keys, scalars in lists, and where each list element (an object or list) starts.
                boolean elementStart = (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY)
                        && p.getParsingContext().getParent() != null && p.getParsingContext().getParent().inArray();
                JsonPointer pointer = t == JsonToken.FIELD_NAME || !p.getParsingContext().inObject() || elementStart
                        ? p.getParsingContext().pathAsPointer()
                        : null;
                if (pointer != null) {
                    lines.putIfAbsent(KeyPaths.of(pointer), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // The binder reports syntax errors with their own location; without lines we still report keys.
        }
        return new KeyLines(lines);
    }

    /** The line of {@code key}, or of its nearest enclosing key; 0 if none is known. */
    int lineOf(String key) {
        String k = key;
        while (true) {
            Integer line = lines.get(k);
            if (line != null) {
                return line;
            }
            int cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
            if (cut <= 0) {
                return 0;
            }
            k = k.substring(0, cut);
        }
    }

    boolean has(String key) {
        return lines.containsKey(key);
    }
}
