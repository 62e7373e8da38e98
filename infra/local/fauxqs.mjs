// fauxqs (SNS/SQS emulator) on 127.0.0.1 only, for sns.sh.
//
// fauxqs's own CLI (startFauxqs) always listens on 0.0.0.0; its exported
// buildApp gives the same server, so this listens on loopback instead.
//
//   FAUXQS_PORT=4566 node fauxqs.mjs
//
// FAUXQS_PORT: port (0 picks a free one); FAUXQS_DEFAULT_REGION: region for
// requests that are not SigV4-signed (default us-east-1); FAUXQS_LOG_LEVEL:
// fastify log level (default "warn"; "info" logs every request).
import { buildApp } from "fauxqs";

const port = Number.parseInt(process.env.FAUXQS_PORT ?? "4566", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
	console.error(`fauxqs.mjs: bad FAUXQS_PORT ${process.env.FAUXQS_PORT}`);
	process.exit(2);
}

const app = buildApp({
	logger: { level: process.env.FAUXQS_LOG_LEVEL || "warn" },
	defaultRegion: process.env.FAUXQS_DEFAULT_REGION || undefined,
});

const stop = (signal) => {
	app.close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
	setTimeout(() => process.exit(1), 5000).unref();
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));

try {
	const address = await app.listen({ port, host: "127.0.0.1" });
	console.log(`fauxqs listening on ${address} (pid ${process.pid})`);
} catch (err) {
	console.error(`fauxqs.mjs: cannot listen on 127.0.0.1:${port}: ${err.message}`);
	process.exit(1);
}
