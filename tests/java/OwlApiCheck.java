import java.io.File;
import java.util.*;
import javax.xml.parsers.DocumentBuilderFactory;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.RDFDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.RDFTriple;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Loads an ontology the way Protégé does (OWLAPI, imports resolved through catalog-v001.xml
 * next to the file) and reports what Protégé would warn about: triples it could not parse,
 * entities whose declaration it had to guess, and OWL 2 DL profile violations.
 *
 * Usage: OwlApiCheck FILE [--offline] [--resave OUTDIR [--add-class]]
 * With --resave, every ontology of the imports closure is written back as Turtle by OWLAPI
 * (as Protégé's save does) into OUTDIR, under the same relative paths, with the catalog
 * copied; --add-class first adds a fully annotated class to the therapist module, as a user
 * editing in Protégé would.
 * With --offline, no connection can leave the process: every URL connection Java opens asks the
 * default ProxySelector, which here records the address and answers with a proxy on a closed local
 * port, so the connection fails. Each recorded address is printed as NETWORK and counts as a problem.
 * Every ontology loaded is printed as SOURCE with the document it was read from.
 */
public class OwlApiCheck {
    static final String PRC = "https://w3id.org/prc-kg/ontology/";

    public static void main(String[] args) throws Exception {
        File file = new File(args[0]).getAbsoluteFile();
        String resave = null;
        boolean addClass = false;
        List<String> network = Collections.synchronizedList(new ArrayList<>());
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--resave")) resave = args[++i];
            else if (args[i].equals("--add-class")) addClass = true;
            else if (args[i].equals("--offline")) blockNetwork(network);
            else throw new IllegalArgumentException("unknown option " + args[i]);
        }
        OWLOntologyManager m = OWLManager.createOWLOntologyManager();
        Map<IRI, String> catalog = readCatalog(file.getParentFile(), m);
        OWLOntology root;
        try {
            root = m.loadOntologyFromOntologyDocument(new FileDocumentSource(file));
        } catch (OWLOntologyCreationException | OWLRuntimeException e) {  // an import that could not be read is the latter
            for (String url : network) System.out.println("NETWORK\t" + url);
            System.out.println("FAILED\t" + e.getClass().getSimpleName() + ": "
                + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.exit(1);
            return;
        }
        int problems = 0;
        for (OWLOntology o : sorted(root.importsClosure())) {
            String name = o.getOntologyID().getOntologyIRI().map(IRI::toString).orElse("(anonymous)");
            System.out.println("SOURCE\t" + name + "\t" + m.getOntologyDocumentIRI(o));
            OWLDocumentFormat fmt = m.getOntologyFormat(o);
            if (fmt instanceof RDFDocumentFormat) {
                var meta = ((RDFDocumentFormat) fmt).getOntologyLoaderMetaData();
                if (meta.isPresent()) {
                    for (Object t : meta.get().getUnparsedTriples().map(Object::toString).sorted().toList()) {
                        System.out.println("UNPARSED\t" + name + "\t" + t);
                        problems++;
                    }
                    for (var e : meta.get().getGuessedDeclarations().entries()) {
                        System.out.println("GUESSED\t" + name + "\t" + e.getKey() + " as " + e.getValue());
                        problems++;
                    }
                }
            }
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(root);
        List<String> violations = new ArrayList<>();
        for (OWLProfileViolation v : report.getViolations()) violations.add(v.toString().replace('\n', ' '));
        Collections.sort(violations);
        for (String v : violations) { System.out.println("PROFILE\t" + v); problems++; }
        for (String url : network) { System.out.println("NETWORK\t" + url); problems++; }
        int axioms = 0, classes = 0;
        for (OWLOntology o : root.importsClosure().toList()) axioms += o.getAxiomCount();
        classes = (int) root.classesInSignature(org.semanticweb.owlapi.model.parameters.Imports.INCLUDED).count();
        // skos:definition assertions, and how many carry a dcterms:source as an axiom annotation (the
        // definition's own provenance): equal counts mean each owl:Axiom was read onto its definition
        int definitions = 0, withSource = 0;
        IRI definition = IRI.create("http://www.w3.org/2004/02/skos/core#definition");
        IRI source = IRI.create("http://purl.org/dc/terms/source");
        for (OWLOntology o : root.importsClosure().toList()) {
            for (OWLAnnotationAssertionAxiom ax : o.axioms(AxiomType.ANNOTATION_ASSERTION).toList()) {
                if (!ax.getProperty().getIRI().equals(definition)) continue;
                definitions++;
                if (ax.annotations().anyMatch(a -> a.getProperty().getIRI().equals(source))) withSource++;
            }
        }
        System.out.println("SUMMARY\tontologies=" + root.importsClosure().count() + "\taxioms=" + axioms
            + "\tclasses=" + classes + "\tdefinitions=" + definitions + "\tdefinitionsWithSource=" + withSource
            + "\tproblems=" + problems);
        if (resave != null) resaveAll(m, root, file, catalog, new File(resave), addClass);
        System.exit(problems == 0 ? 0 : 1);
    }

    static List<OWLOntology> sorted(java.util.stream.Stream<OWLOntology> s) {
        List<OWLOntology> l = new ArrayList<>(s.toList());
        l.sort(Comparator.comparing(o -> o.getOntologyID().toString()));
        return l;
    }

    /** Every connection Java makes asks the default ProxySelector: record it and send it to a closed port. */
    static void blockNetwork(List<String> seen) {
        java.net.ProxySelector.setDefault(new java.net.ProxySelector() {
            @Override
            public List<java.net.Proxy> select(java.net.URI uri) {
                seen.add(uri.toString());
                return List.of(new java.net.Proxy(java.net.Proxy.Type.HTTP, new java.net.InetSocketAddress("127.0.0.1", 1)));
            }

            @Override
            public void connectFailed(java.net.URI uri, java.net.SocketAddress sa, java.io.IOException ioe) {
            }
        });
    }

    static Map<IRI, String> readCatalog(File dir, OWLOntologyManager m) throws Exception {
        Map<IRI, String> map = new LinkedHashMap<>();
        File cat = new File(dir, "catalog-v001.xml");
        if (!cat.exists()) return map;
        NodeList uris = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(cat)
            .getElementsByTagName("uri");
        for (int i = 0; i < uris.getLength(); i++) {
            Element e = (Element) uris.item(i);
            IRI name = IRI.create(e.getAttribute("name"));
            String rel = e.getAttribute("uri");
            map.put(name, rel);
            // as Protégé's XML catalog resolver does: the entry's uri relative to the catalog's folder
            m.getIRIMappers().add(new SimpleIRIMapper(name, IRI.create(new File(dir, rel).getCanonicalFile())));
        }
        return map;
    }

    static void resaveAll(OWLOntologyManager m, OWLOntology root, File file, Map<IRI, String> catalog,
                          File out, boolean addClass) throws Exception {
        OWLDataFactory df = m.getOWLDataFactory();
        if (addClass) {
            OWLOntology target = m.getOntology(IRI.create(PRC + "module/therapist"));
            if (target == null) throw new IllegalStateException("therapist module not loaded");
            OWLClass c = df.getOWLClass(IRI.create(PRC + "ReflectionOfFeeling"));
            OWLClass parent = df.getOWLClass(IRI.create(PRC + "TherapistIntervention"));
            List<OWLAxiom> ax = new ArrayList<>();
            ax.add(df.getOWLDeclarationAxiom(c));
            ax.add(df.getOWLSubClassOfAxiom(c, parent));
            ax.add(ann(df, c, "http://www.w3.org/2000/01/rdf-schema#label", df.getOWLLiteral("reflection of feeling", "en")));
            ax.add(ann(df, c, "http://www.w3.org/2004/02/skos/core#definition", df.getOWLLiteral(
                "A therapist intervention that names back to the patient the feeling the therapist hears in what was just said.", "en")));
            ax.add(ann(df, c, PRC + "provenanceTag", df.getOWLLiteral("BK")));
            ax.add(df.getOWLAnnotationAssertionAxiom(df.getOWLAnnotationProperty(IRI.create("http://purl.org/dc/terms/source")),
                c.getIRI(), IRI.create("https://w3id.org/prc-kg/source/Reference")));
            ax.add(ann(df, c, PRC + "inManualSection", null));
            ax.removeIf(Objects::isNull);
            m.addAxioms(target, ax.stream());
        }
        out.mkdirs();
        for (OWLOntology o : root.importsClosure().toList()) {
            IRI iri = o.getOntologyID().getOntologyIRI().get();
            String rel = catalog.getOrDefault(iri, file.getName());
            if (o == root) rel = file.getName();
            File dest = new File(out, rel);
            dest.getParentFile().mkdirs();
            TurtleDocumentFormat tf = new TurtleDocumentFormat();
            OWLDocumentFormat orig = m.getOntologyFormat(o);
            if (orig != null && orig.isPrefixOWLDocumentFormat()) tf.copyPrefixesFrom(orig.asPrefixOWLDocumentFormat());
            m.saveOntology(o, tf, IRI.create(dest));
        }
        java.nio.file.Files.copy(new File(file.getParentFile(), "catalog-v001.xml").toPath(),
            new File(out, "catalog-v001.xml").toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("RESAVED\t" + out);
    }

    static OWLAxiom ann(OWLDataFactory df, OWLClass c, String prop, OWLLiteral value) {
        if (value == null) {
            return df.getOWLAnnotationAssertionAxiom(df.getOWLAnnotationProperty(IRI.create(prop)), c.getIRI(),
                IRI.create(PRC + "Section3"));
        }
        return df.getOWLAnnotationAssertionAxiom(df.getOWLAnnotationProperty(IRI.create(prop)), c.getIRI(), value);
    }
}
