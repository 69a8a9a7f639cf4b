const crypto = require('crypto');
const ts = require('typescript');
module.exports = {
  getCacheKey(src, file) { return crypto.createHash('sha256').update(ts.version).update(file).update('\0').update(src).digest('hex'); },
  process(src, file) {
    const out = ts.transpileModule(src, { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true, inlineSourceMap: true } });
    return { code: out.outputText };
  },
};
