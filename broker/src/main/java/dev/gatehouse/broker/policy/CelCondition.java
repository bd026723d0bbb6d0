package dev.gatehouse.broker.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelException;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.Map;

/**
 * A rule's {@code when} expression, compiled and type-checked once (CEL, the policy language of
 * Kubernetes and Envoy) over {@code caller}, {@code upstream}, {@code tool} and {@code args}.
 * Thread-safe: a compiled program holds no per-call state.
 */
final class CelCondition {

    /** {@code args.amount <= 100} must work whether the JSON number was 50 or 50.5. */
    private static final CelOptions OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            // has(), all(), exists(), exists_one(), map(), filter(): what policy authors expect from CEL.
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("caller", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("upstream", SimpleType.STRING)
            .addVar("tool", SimpleType.STRING)
            .addVar("args", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .setResultType(SimpleType.BOOL)
            .build();

    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

    private final String expression;
    private final CelRuntime.Program program;

    private CelCondition(String expression, CelRuntime.Program program) {
        this.expression = expression;
        this.program = program;
    }

    /** Compiles {@code expression}; an invalid one throws with CEL's own message. */
    static CelCondition compile(String expression) {
        CelValidationResult result = COMPILER.compile(expression);
        if (result.hasError()) {
            throw new IllegalArgumentException(result.getErrorString());
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            return new CelCondition(expression, RUNTIME.createProgram(ast));
        } catch (CelException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    String expression() {
        return expression;
    }

    /**
     * Evaluates for one call. An evaluation error (a missing key, a type mismatch, a number policies
     * cannot compare exactly) is thrown, never taken as false.
     */
    boolean test(PolicyInput input) throws CelEvaluationException {
        Map<String, Object> variables;
        try {
            variables = Map.of(
                    "caller", CelValues.of(input.caller().asCel()),
                    "upstream", input.upstream(),
                    "tool", input.tool(),
                    "args", CelValues.of(input.args()));
        } catch (IllegalArgumentException e) {
            throw new CelEvaluationException(e.getMessage());
        }
        Object result = program.eval(variables);
        return Boolean.TRUE.equals(result);
    }
}
