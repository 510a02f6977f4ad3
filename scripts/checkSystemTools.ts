/** First step of `npm test`: stops at once, with the install line, when a system tool is missing. */
import { missingReport, missingTools } from './systemTools.ts';

const missing = missingTools();
if (missing.length > 0) {
  process.stderr.write(missingReport(missing));
  process.exit(1);
}
