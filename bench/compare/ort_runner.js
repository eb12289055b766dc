// ONNX Runtime (onnxruntime-node, CPU) runner for bench/compare:
//   node ort_runner.js MODEL.onnx INPUT.npy THREADS RUNS WARMUP OUTDIR
// Prints one JSON line: load_ms, first_ms, latencies_ms (after warm-up), peak_rss_mib; writes
// the outputs to OUTDIR/output_K.npy in graph order.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${file}: expected a C-order float32 .npy, found header ${header}`);
  }
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').map(s => s.trim())
      .filter(s => s.length).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start + headerLen,
                                                 buf.byteOffset + buf.length));
  return {data, shape};
}

function writeNpy(file, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${
      shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(new Float32Array(data).buffer);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

async function main() {
  const [model, input, threads, runs, warmup, outdir] = process.argv.slice(2);
  const n = Number(threads);
  const loadStart = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: n,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  const x = readNpy(input);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape)};
  let start = process.hrtime.bigint();
  let results = await session.run(feeds);
  const firstMs = Number(process.hrtime.bigint() - start) / 1e6;
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const latencies = [];
  for (let i = 0; i < Number(runs); ++i) {
    start = process.hrtime.bigint();
    results = await session.run(feeds);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  if (outdir) {
    fs.mkdirSync(outdir, {recursive: true});
    session.outputNames.forEach((name, k) => {
      const t = results[name];
      writeNpy(path.join(outdir, `output_${k}.npy`), t.data, t.dims);
    });
  }
  console.log(JSON.stringify({
    runtime: 'onnxruntime',
    version: require('onnxruntime-node/package.json').version,
    load_ms: loadMs,
    first_ms: firstMs,
    latencies_ms: latencies,
    peak_rss_mib: peakRssMib(),
  }));
}

// VmHWM: resourceUsage().maxRSS would also count what the process shared with its parent
// before exec.
function peakRssMib() {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n')
      .find(l => l.startsWith('VmHWM:'));
  return line ? parseInt(line.slice(6), 10) / 1024 : 0;
}

main().catch(e => {
  console.error(`ort_runner: ${e.message}`);
  process.exit(1);
});
