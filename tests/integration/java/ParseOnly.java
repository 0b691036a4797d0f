import com.sun.source.util.JavacTask;
import java.nio.file.Path;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Parses Java sources without resolving their imports (for a library not on this machine); exit 1 on a syntax error. */
public final class ParseOnly {
    public static void main(String[] args) throws Exception {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
            Iterable<? extends JavaFileObject> sources = files.getJavaFileObjectsFromPaths(List.of(Path.of(args[0])));
            ((JavacTask) compiler.getTask(null, files, diagnostics, null, null, sources)).parse();
        }
        boolean failed = false;
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            System.out.println(d.getKind() + " line " + d.getLineNumber() + ": " + d.getMessage(null));
            failed |= d.getKind() == Diagnostic.Kind.ERROR;
        }
        System.exit(failed ? 1 : 0);
    }
}
