/**
 * The dashboard page: a view per tab (hash routes `#<view>/<run id>`), one
 * event stream from the server shared by all, and a run picker for the views
 * that show one run.
 */
import { Events, type RunSummary, type StudySummary, type TrainJob } from './api.js';
import { fill, h } from './dom.js';
import { anomaliesView } from './views/anomalies.js';
import { generateView } from './views/generate.js';
import { latentView } from './views/latent.js';
import { liveView } from './views/live.js';
import { runsView } from './views/runs.js';
import { studyView } from './views/study.js';
import { listenView } from './views/listen.js';
import { tryView } from './views/try.js';
import { tryAudioView } from './views/try-audio.js';

/** What a view gets: the shared state and how to move to another view. */
export interface Ctx {
  events: Events;
  runs(): RunSummary[];
  run(id: string | undefined): RunSummary | undefined;
  studies(): StudySummary[];
  jobs(): TrainJob[];
  /** The run this view shows (from the route or the picker), or the study the Studies view shows (from the route). */
  id?: string;
  navigate(view: ViewName, id?: string): void;
}

export type ViewName = 'runs' | 'study' | 'live' | 'latent' | 'anomalies' | 'listen' | 'try' | 'generate';
/** A view draws into `root` and returns its cleanup. */
type View = (root: HTMLElement, ctx: Ctx) => (() => void) | void;

interface ViewDef {
  /** The tab's text. */
  label: string;
  view: View;
  /** Runs this view can show (the picker lists them); absent for views of no single run. */
  applies?: (r: RunSummary) => boolean;
  /** Why no run applies, when none does. */
  none?: string;
}

/** Runs of an autoencoder with a checkpoint (a speech denoiser has no code: no latent space, no anomaly scores). */
const hasCheckpoint = (r: RunSummary) => r.files.checkpoint && r.status !== 'corrupt' && !r.segments;
/** Runs whose model Try it can run: an autoencoder with its encoder, or an audio model (a speech denoiser has no encoder). */
export const canTry = (r: RunSummary) => r.files.model && (r.files.encoder || r.sampleRate !== undefined) && r.status !== 'corrupt';
/** The views, in the order of their tabs: the page's nav is built from this list. */
const VIEWS: Record<ViewName, ViewDef> = {
  runs: { label: 'Runs', view: runsView },
  study: { label: 'Studies', view: studyView },
  live: { label: 'Live', view: liveView, applies: (r) => r.status !== 'corrupt', none: 'No runs yet. Start one on the Runs tab or with `aekit train` in a terminal.' },
  latent: { label: 'Latent space', view: latentView, applies: hasCheckpoint, none: 'No run has a checkpoint yet: the latent space needs a model that finished an epoch.' },
  anomalies: { label: 'Anomalies', view: anomaliesView, applies: hasCheckpoint, none: 'No run has a checkpoint yet: anomaly scores need a trained model.' },
  listen: { label: 'Listen', view: listenView, applies: (r) => r.files.audio && r.status !== 'corrupt', none: 'No audio run has clips to play yet (aekit train --data <folder of .wav> writes them when training finishes).' },
  try: { label: 'Try it', view: (root, ctx) => (ctx.run(ctx.id)?.sampleRate !== undefined ? tryAudioView(root, ctx) : tryView(root, ctx)), applies: canTry, none: 'No run has exported ONNX models yet (they are written when training finishes).' },
  generate: { label: 'Generate', view: generateView, applies: (r) => r.vae && r.files.decoder, none: 'Generation needs a variational autoencoder (model vae or conv-vae) that finished training.' },
};

const events = new Events();
let runs: RunSummary[] = [];
let studies: StudySummary[] = [];
let jobs: TrainJob[] = [];
let cleanup: (() => void) | void;
let current = '';

const viewEl = document.getElementById('view')!;
const picker = document.getElementById('run-picker')!;
const select = document.getElementById('run-select') as HTMLSelectElement;
const connection = document.getElementById('connection')!;
const tabs = document.getElementById('tabs')!;
fill(tabs, ...Object.entries(VIEWS).map(([name, def]) => h('a', { href: `#${name}`, 'data-view': name }, def.label)));

function parseRoute(): { view: ViewName; id?: string } {
  const [name, ...rest] = location.hash.replace(/^#/, '').split('/');
  const view = (name && name in VIEWS ? name : 'runs') as ViewName;
  const id = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  return { view, ...(id ? { id } : {}) };
}

function navigate(view: ViewName, id?: string): void {
  const hash = `#${view}${id ? `/${encodeURIComponent(id)}` : ''}`;
  if (location.hash === hash) render(true);
  else location.hash = hash;
}

/** The run a view shows: the routed one, else (live view) the newest running one, else the last one picked, else the newest. */
function chooseRun(view: ViewName, routed: string | undefined): string | undefined {
  const def = VIEWS[view];
  const candidates = runs.filter(def.applies ?? (() => false));
  // A run started from the page is routed to before its folder exists: the live view waits for it.
  if (routed && (candidates.some((r) => r.id === routed) || view === 'live')) return routed;
  // The Live tab without a run in its route follows the newest run that trains, wherever it was started.
  const running = view === 'live' ? candidates.find((r) => r.status === 'running') : undefined;
  if (running) return running.id;
  const previous = select.value;
  if (previous && candidates.some((r) => r.id === previous)) return previous;
  return candidates[0]?.id;
}

function updatePicker(view: ViewName, id: string | undefined): void {
  const def = VIEWS[view];
  picker.hidden = !def.applies;
  if (!def.applies) return;
  const options = runs.filter(def.applies);
  const known = id === undefined || runs.some((r) => r.id === id);
  if (id && known && !options.some((r) => r.id === id)) options.unshift(runs.find((x) => x.id === id)!);
  fill(select, ...(known ? [] : [h('option', { value: id, selected: true }, `${id} (starting)`)]), ...options.map((r) => h('option', { value: r.id, selected: r.id === id }, `${r.id} (${r.status})`)));
  if (id) select.value = id;
}

function render(force = false): void {
  const { view, id: routed } = parseRoute();
  const def = VIEWS[view];
  // Views of no single run take the routed id as it is (the Studies view: a study).
  const id = def.applies ? chooseRun(view, routed) : routed;
  const key = `${view}\n${id ?? ''}`;
  updatePicker(view, id);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#tabs a')) a.classList.toggle('active', a.dataset.view === view);
  if (key === current && !force) return;
  current = key;
  if (cleanup) cleanup();
  cleanup = undefined;
  viewEl.replaceChildren();
  viewEl.dataset.view = view;
  if (def.applies && !id) {
    viewEl.append(h('div', { class: 'card empty' }, def.none ?? 'No run to show.'));
    return;
  }
  const ctx: Ctx = { events, runs: () => runs, run: (x) => runs.find((r) => r.id === x), studies: () => studies, jobs: () => jobs, ...(id ? { id } : {}), navigate };
  try {
    cleanup = def.view(viewEl, ctx);
  } catch (e) {
    viewEl.append(h('div', { class: 'card error' }, `This view failed: ${(e as Error).message}`));
  }
}

select.addEventListener('change', () => navigate(parseRoute().view, select.value));
window.addEventListener('hashchange', () => render());
events.on('runs', (d) => {
  const before = runs.length;
  runs = d.runs;
  const { view } = parseRoute();
  // A view waiting for its first run, or a run picker that lacks a new run, catches up.
  if (before === 0 || VIEWS[view].applies) {
    const id = VIEWS[view].applies ? chooseRun(view, parseRoute().id) : parseRoute().id;
    updatePicker(view, id);
    if (`${view}\n${id ?? ''}` !== current) render();
  }
});
events.on('studies', (d) => {
  studies = d.studies;
});
events.on('jobs', (d) => {
  jobs = d.jobs;
});
events.connect((on) => {
  connection.textContent = on ? 'live' : 'reconnecting…';
  connection.className = `connection ${on ? 'on' : 'off'}`;
});
render();
