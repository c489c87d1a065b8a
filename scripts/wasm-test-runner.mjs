// Cargo's runner for test binaries built for wasm32-unknown-unknown (scripts/test-simd.sh):
// libtest compiled to wasm has no output there, but its `main` returns 0 when every test
// passed and traps (unreachable) when one failed, which becomes this process's exit code.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
try {
  const code = instance.exports.main(0, 0);
  console.log(`${file.split('/').pop()}: all tests passed on wasm32 (simd128)`);
  process.exit(code);
} catch (e) {
  console.error(`${file.split('/').pop()}: a test failed on wasm32 (simd128): ${e.message}`);
  // libtest prints nothing on wasm32-unknown-unknown, and usize is 32-bit there, so a native run
  // draws other inputs: mark tests #[ignore] one by one to find the failing one
  console.error('libtest prints nothing on wasm32: mark the tests #[ignore] in turn to find which one failed');
  process.exit(1);
}
