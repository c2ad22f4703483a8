/* JdkVerify.java: the JDK's own XML-DSig stack (javax.xml.crypto.dsig) on
 * silkport records, one thread, as the yardstick for bench_records' verify
 * row (issue 16, target 1). For each record: a namespace-aware parse with a
 * secure DocumentBuilder (no DOCTYPE, no external entities, no XInclude,
 * secure processing), then XMLSignature.validate() with the signer's public
 * key from its certificate (never from KeyInfo) and the JDK's secure
 * validation on. It does no schema check and none of silkport's profile,
 * canonical-form or signer checks: it is the JDK's parse + verify only.
 *
 * usage: java JdkVerify SECONDS WARMUP-SECONDS CERT.pem RECORD.xml
 * (the warm-up, not counted, lets the JIT compile the hot path first)
 * prints: jdk verify one-thread N/s (...)
 */
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import javax.xml.XMLConstants;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public final class JdkVerify {
	private static final String DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

	private final DocumentBuilder builder;
	private final XMLSignatureFactory factory;
	private final PublicKey key;

	JdkVerify(PublicKey key) throws Exception {
		DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
		f.setNamespaceAware(true);
		f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
		f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
		f.setFeature("http://xml.org/sax/features/external-general-entities", false);
		f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
		f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
		f.setXIncludeAware(false);
		f.setExpandEntityReferences(false);
		this.builder = f.newDocumentBuilder();
		this.factory = XMLSignatureFactory.getInstance("DOM");
		this.key = key;
	}

	/* The enveloped signature: the root's last element child. */
	private static Element signatureOf(Document doc) {
		Node n = doc.getDocumentElement().getLastChild();
		while (n != null && n.getNodeType() != Node.ELEMENT_NODE)
			n = n.getPreviousSibling();
		if (n == null || !DSIG_NS.equals(n.getNamespaceURI()) ||
		    !"Signature".equals(n.getLocalName()))
			throw new IllegalStateException("the record is not signed");
		return (Element)n;
	}

	boolean verify(byte[] record) throws Exception {
		builder.reset();
		Document doc = builder.parse(new ByteArrayInputStream(record));
		DOMValidateContext ctx = new DOMValidateContext(key, signatureOf(doc));
		ctx.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.TRUE);
		XMLSignature sig = factory.unmarshalXMLSignature(ctx);
		return sig.validate(ctx);
	}

	/* CPU time of the whole JVM (JIT and GC threads too), in ns. */
	private static long cpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean)
		            ManagementFactory.getOperatingSystemMXBean())
		    .getProcessCpuTime();
	}

	/* Verify until `seconds` have passed; returns records per second of
	 * wall-clock time and per second of the process's CPU time. */
	double[] run(byte[] record, double seconds) throws Exception {
		long n = 0, t0 = System.nanoTime(), c0 = cpuNanos();
		long stop = t0 + (long)(seconds * 1e9), t;
		do {
			for (int i = 0; i < 16; i++) {
				if (!verify(record))
					throw new IllegalStateException("the record does not verify");
				n++;
			}
			t = System.nanoTime();
		} while (t < stop);
		return new double[] {n / ((t - t0) / 1e9), n / ((cpuNanos() - c0) / 1e9)};
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 4) {
			System.err.println("usage: java JdkVerify SECONDS WARMUP-SECONDS CERT.pem RECORD.xml");
			System.exit(2);
		}
		double seconds = Double.parseDouble(args[0]);
		double warmup = Double.parseDouble(args[1]);
		X509Certificate cert;
		try (InputStream in = new FileInputStream(args[2])) {
			cert = (X509Certificate)CertificateFactory.getInstance("X.509")
			           .generateCertificate(in);
		}
		byte[] record = Files.readAllBytes(Paths.get(args[3]));
		JdkVerify v = new JdkVerify(cert.getPublicKey());
		v.run(record, warmup);
		double[] r = v.run(record, seconds);
		System.out.printf("jdk verify one-thread %.0f/s (%d-byte record; "
		                      + "JDK %s javax.xml.crypto.dsig: secure namespace-aware "
		                      + "parse, XMLSignature.validate with the signer's "
		                      + "certificate key; no schema or profile checks; "
		                      + "%.0f/s per CPU-second of the JVM)%n",
		                  r[0], record.length, System.getProperty("java.version"), r[1]);
	}
}
