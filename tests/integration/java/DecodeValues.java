import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/**
 * Test driver of the integration guide's ZwgkAvro.java: decodes every value file of a directory
 * (NAME.bin, with its zwgk_schema header in NAME.schema) and prints "NAME event_id field,field,…" a line.
 */
public final class DecodeValues {
    public static void main(String[] args) throws Exception {
        ZwgkAvro avro = new ZwgkAvro(Path.of(args[0]));
        List<Path> values;
        try (Stream<Path> found = Files.list(Path.of(args[1]))) {
            values = found.filter(f -> f.toString().endsWith(".bin")).sorted().collect(Collectors.toList());
        }
        for (Path value : values) {
            String name = value.getFileName().toString().replace(".bin", "");
            String schema = Files.readString(value.resolveSibling(name + ".schema"), StandardCharsets.UTF_8);
            GenericRecord event = avro.decode(schema, Files.readAllBytes(value));
            String fields = event.getSchema().getFields().stream().map(f -> f.name()).collect(Collectors.joining(","));
            System.out.println(name + " " + event.get("event_id") + " " + fields);
        }
    }
}
