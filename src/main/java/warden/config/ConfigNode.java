package warden.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of a YAML document with the line it starts on, so that every configuration error can
 * name the file and the line. Jackson's tree model drops locations; this keeps them.
 */
public sealed interface ConfigNode permits ConfigNode.Scalar, ConfigNode.Sequence, ConfigNode.Mapping {

    int line();

    /** A scalar; {@code text} is null for YAML null ({@code ~} or an empty value). */
    record Scalar(String text, int line) implements ConfigNode {}

    record Sequence(List<ConfigNode> items, int line) implements ConfigNode {}

    /** A mapping in document order; {@code keyLines} gives the line of each key. */
    record Mapping(LinkedHashMap<String, ConfigNode> entries, Map<String, Integer> keyLines, int line)
            implements ConfigNode {}

    /** What the node is, for error messages: "a list", "a map", "a value". */
    default String kind() {
        return switch (this) {
            case Scalar s -> "a value";
            case Sequence s -> "a list";
            case Mapping m -> "a map";
        };
    }
}
