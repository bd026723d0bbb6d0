package dev.gatehouse.broker.policy;

import dev.cel.common.values.NullValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts JSON-shaped Java values (from Jackson or token claims) to the types CEL's runtime expects. */
final class CelValues {

    private CelValues() {
    }

    static Object of(Object value) {
        return switch (value) {
            case null -> NullValue.NULL_VALUE;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case Long l -> l;
            case Float f -> f.doubleValue();
            case BigInteger b -> b.longValue();
            case BigDecimal d -> d.doubleValue();
            case Map<?, ?> map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(String.valueOf(k), of(v)));
                yield out;
            }
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                list.forEach(v -> out.add(of(v)));
                yield out;
            }
            case java.util.Date date -> date.toInstant().getEpochSecond();
            default -> value;
        };
    }
}
