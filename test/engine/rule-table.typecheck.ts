// Compile-time check, run by `npm test` through `tsc --noEmit`: the rule table's
// type demands an entry for every op, so removing one must not compile.
import { vjpRules } from '../../src/autodiff/rules.js';

const { Relu: _relu, ...withoutRelu } = vjpRules;
// @ts-expect-error: a table without a rule (or NotDifferentiable marker) for Relu is rejected
export const incomplete: typeof vjpRules = withoutRelu;
