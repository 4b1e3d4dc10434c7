import { main } from "../src/cli/main.js";
import { RSS_TAG } from "./cli.js";

// Same contract as bin/sdmodels.js, plus the peak RSS (kilobytes) as the last stderr line.
process.exitCode = await main(process.argv);
process.stderr.write(`\n${RSS_TAG}${process.resourceUsage().maxRSS}\n`);
