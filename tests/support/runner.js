'use strict';
// The pass/fail runner of the node test scripts (dist/, e2e, mp-ci): `test(name, fn)`
// runs one check and prints `ok - name` or `not ok - name` with the first lines of the
// stack; `summary()` prints `N passed, N failed` and returns the number failed.
function createRunner(stackLines) {
  const lines = stackLines || 6;
  const results = [];
  async function test(name, fn) {
    try {
      await fn();
      results.push(true);
      console.log('ok - ' + name);
    } catch (e) {
      results.push(false);
      console.log('not ok - ' + name + '\n    ' + String((e && e.stack) || e).split('\n').slice(0, lines).join('\n    '));
    }
  }
  function summary() {
    const passed = results.filter(Boolean).length;
    console.log(passed + ' passed, ' + (results.length - passed) + ' failed');
    return results.length - passed;
  }
  return { test: test, summary: summary };
}

module.exports = { createRunner };
