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
            // Truncating would let a policy decide on another number than the upstream receives.
            case BigInteger b -> {
                try {
                    yield b.longValueExact();
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("integer " + b + " is outside the range policies can compare");
                }
            }
            case BigDecimal d -> {
                double asDouble = d.doubleValue();
                if (Double.isInfinite(asDouble)) {
                    throw new IllegalArgumentException("number " + d + " is outside the range policies can compare");
                }
                yield asDouble;
            }
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
