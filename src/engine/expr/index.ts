export { compileExpression, compileExpressionOrThrow, compilePredicate } from './expression.js';
export type { CompileResult } from './expression.js';
export { compileFieldPath, isFieldPath } from './field-path.js';
export { ExpressionError } from './errors.js';
export { toPlain } from './plain.js';
