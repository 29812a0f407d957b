/**
 * Shapes shared by the fault and bad-input review (bench/faults.ts):
 * what a case is, what its child process reports, and how it is classified.
 */

/** What the child process (or the CLI) did with one case. */
export type Outcome =
  /** The call threw or rejected (API), or the CLI exited non-zero with a message. */
  | { kind: 'rejected'; message: string; errorName?: string; exitCode?: number; stderr?: string }
  /** The call returned (API) or the CLI exited 0. `detail`: what came back, for the report. */
  | { kind: 'accepted'; detail?: string }
  /** The process ended without reporting: a signal, an abort, an unexpected exit code. */
  | { kind: 'crashed'; exitCode: number | null; signal: string | null; stderr: string }
  /** Still running when the case's time ran out (killed then). */
  | { kind: 'hung'; afterMs: number; stderr: string };

/** A case's final classification. */
export type Verdict =
  | 'rejected clearly'
  | 'rejected unclearly'
  | 'crash/abort'
  | 'hang'
  | 'silently accepted'
  | 'lost or modified files'
  | 'accepted (control)'
  | 'control rejected'
  | 'skipped';

/** The line a child process prints after each API case (see child.ts). */
export const DONE_MARKER = '@@aekit-review-done';

/** Verdicts that make the review fail. */
export const FAILING: readonly Verdict[] = ['rejected unclearly', 'crash/abort', 'hang', 'silently accepted', 'lost or modified files', 'control rejected'];

/** What a case may use while it runs in its child process. */
export interface CaseContext {
  /** The case's own workspace folder (also the child's working directory), prepared by `setup`. */
  ws: string;
  /** `join(ws, ...parts)` */
  p: (...parts: string[]) => string;
}

/** One bad input or fault (or one valid control). */
export interface Case {
  /** Stable id, `group/name`, unique across the catalogue. */
  id: string;
  /** Row of the summary table: the part of the public surface it exercises. */
  category: string;
  /** The input or fault, in a few words, for the report. */
  input: string;
  /** 'reject' for bad inputs and faults; 'accept' for the controls that guard against over-rejection. */
  expect: 'reject' | 'accept';
  /**
   * What a clear message must mention (case-insensitive substring, or a RegExp),
   * all of them: the option/field/file/value at fault. Omitted: any message
   * that does not look like a raw runtime error counts as clear.
   */
  mentions?: (string | RegExp)[];
  /** Prepares the workspace (runs in the review process, before the snapshot). */
  setup?: (ws: string) => void | Promise<void>;
  /** Undoes what `setup` did outside plain files (unmounts); runs after the case. */
  cleanup?: (ws: string) => void;
  /** API case: runs in a fresh child process; a throw or a rejection is the outcome 'rejected'. */
  run?: (ctx: CaseContext) => unknown;
  /** CLI case: the arguments after `aekit`, run as a child process in the workspace. */
  cli?: string[] | ((ws: string) => string[]);
  /**
   * Workspace paths (relative, '/'-separated prefixes) the case may create or
   * change: a control's outputs. Any other change to the workspace, files
   * created included, is classified 'lost or modified files'.
   */
  mayChange?: string[];
  /** Kill after this long (default 30 s): a case still running then is a hang. */
  timeoutMs?: number;
  /**
   * Run in a process of its own. API cases otherwise share a child process
   * with their neighbours (to save start-up time); a case that may abort,
   * hang or exhaust memory is isolated, and any case that crashes or hangs in
   * a shared process is run again alone before it is classified.
   */
  isolate?: boolean;
  /** A reason the machine cannot run the case (it is then reported as skipped), or undefined. */
  skip?: () => string | undefined;
}

/** One row of the report. */
export interface CaseResult {
  id: string;
  category: string;
  input: string;
  expect: 'reject' | 'accept';
  verdict: Verdict;
  /** The message, the exit status or what changed on disk, shortened. */
  detail: string;
  ms: number;
}
