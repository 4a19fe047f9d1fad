package dev.vulcan.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads the fields of the API's JSON answers for display. The commands read the JSON tree
 * rather than binding it to the wire records: binding costs the CLI tens of milliseconds of
 * introspection at every start, the tree almost nothing. The names are those of the records in
 * dev.vulcan.api in snake_case; the tests check them against the records.
 */
final class Fields {
    private Fields() {}

    /** The field as text, or null when it is absent or null. */
    static String text(JsonNode node, String name) {
        JsonNode field = node.get(name);
        if (field == null || field.isNull() || field.isContainer()) {
            return null;
        }
        return field.asString();
    }

    /** The field as a whole number, or null when it is absent, null or not a number. */
    static Long number(JsonNode node, String name) {
        JsonNode field = node.get(name);
        return field != null && field.isNumber() ? field.longValue() : null;
    }

    /** The field as a number with a fraction, or null. */
    static Double decimal(JsonNode node, String name) {
        JsonNode field = node.get(name);
        return field != null && field.isNumber() ? field.doubleValue() : null;
    }

    static boolean flag(JsonNode node, String name) {
        JsonNode field = node.get(name);
        return field != null && field.isBoolean() && field.booleanValue();
    }

    /** The field as an instant, or null when it is absent or not ISO-8601. */
    static Instant instant(JsonNode node, String name) {
        String text = text(node, name);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The texts of an array field; empty when it is absent. */
    static List<String> texts(JsonNode node, String name) {
        List<String> texts = new ArrayList<>();
        JsonNode field = node.get(name);
        if (field != null && field.isArray()) {
            for (JsonNode element : field) {
                if (!element.isNull()) {
                    texts.add(element.asString());
                }
            }
        }
        return texts;
    }

    /** The elements of an array node; empty for null or anything else. */
    static List<JsonNode> elements(JsonNode array) {
        List<JsonNode> elements = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(elements::add);
        }
        return elements;
    }
}
