// The config diff line: "B differs from A in: optimizer, κ = 4, γ = 0.6". It lists the settings
// that matter for the second run (IRE knobs only when IRE is on, ρ only for SAM) whose values
// differ from the first run's, with the second run's values.
import { BASE_OPTIMIZER_INFO, DEFAULT_IRE, type OptimizerConfig, type RunConfig } from '../train/config';
import { formatLiveValue as formatValue, LIVE_SETTINGS, readLiveField, type LiveField } from '../train/liveSettings';


/** "AdamW", "AdmIRE", "SGD", "SGD-IRE", "SAM", "SAM-IRE". */
export function optimizerName(o: OptimizerConfig): string {
  const base = BASE_OPTIMIZER_INFO[o.base].name;
  if (!o.ire.enabled) return base;
  return o.base === 'adamw' ? 'AdmIRE' : `${base}-IRE`;
}

type Setting = { key: string; text: (v: string) => string; value: string };

const plain = (symbol: string) => (v: string) => `${symbol} = ${v}`;
const flag = (name: string) => (v: string) => (v === 'on' ? name : `no ${name}`);

/** The settings in effect for a run, in display order. */
function effectiveSettings(o: OptimizerConfig): Setting[] {
  const s: Setting[] = [];
  const add = (key: string, text: (v: string) => string, value: number | boolean | string) =>
    s.push({ key, text, value: typeof value === 'string' ? value : formatValue(value) });
  const run = { id: '', name: '', optimizer: o };
  /** A live setting: its symbol and the way it is written come from the live-setting table. */
  const live = (field: LiveField) => {
    const row = LIVE_SETTINGS[field];
    add(field, row.kind === 'boolean' ? flag(row.symbol) : plain(row.symbol), readLiveField(run, field));
  };
  if (o.ire.enabled) {
    live('kappa');
    live('gamma');
    live('refreshEvery');
    live('kappaFollowsLr');
    add('startStep', plain('IRE start'), String(o.ire.startStep));
    add('hessianForm', plain('h'), o.ire.hessianForm === 'square' ? 'g⊙g' : '|g|');
    add('ema', plain('h EMA β'), o.ire.ema);
  }
  live('lr');
  add('minLr', plain('min lr'), o.minLr);
  add('warmupSteps', plain('warm-up'), o.warmupSteps);
  if (o.base !== 'sgd') add('beta2', plain('β2'), o.beta2);
  add('beta1', plain(o.base === 'sgd' ? 'momentum' : 'β1'), o.beta1);
  if (o.base !== 'sgd') add('eps', plain('ε'), o.eps);
  live('weightDecay');
  add('decayNormsBiasesEmbeddings', flag('decay on norms/biases/embeddings'), o.decayNormsBiasesEmbeddings);
  if (o.base === 'sgd') add('nesterov', flag('Nesterov'), o.nesterov);
  if (o.base === 'sam') live('rho');
  add('gradClip', plain('clip'), o.gradClip);
  return s;
}

/** IRE settings shown even when equal to the reference's (disabled) ones, when IRE is newly on. */
const IRE_HEADLINE = new Set(['kappa', 'gamma']);
const IRE_KEYS: Record<string, (o: OptimizerConfig) => boolean> = {
  refreshEvery: (o) => o.ire.refreshEvery !== DEFAULT_IRE.refreshEvery,
  kappaFollowsLr: (o) => o.ire.kappaFollowsLr !== DEFAULT_IRE.kappaFollowsLr,
  startStep: (o) => o.ire.startStep !== DEFAULT_IRE.startStep,
  hessianForm: (o) => o.ire.hessianForm !== DEFAULT_IRE.hessianForm,
  ema: (o) => o.ire.ema !== DEFAULT_IRE.ema,
};

/** The differences of `run` from `ref`, as short phrases ("optimizer", "κ = 4"). */
export function configDifferences(ref: RunConfig, run: RunConfig): string[] {
  const a = ref.optimizer;
  const b = run.optimizer;
  const out: string[] = [];
  if (optimizerName(a) !== optimizerName(b)) out.push('optimizer');
  const aSettings = new Map(effectiveSettings(a).map((s) => [s.key, s.value]));
  const newlyIre = b.ire.enabled && !a.ire.enabled;
  for (const s of effectiveSettings(b)) {
    const inA = aSettings.get(s.key);
    if (newlyIre && s.key in IRE_KEYS) {
      if (IRE_KEYS[s.key](b)) out.push(s.text(s.value));
    } else if (newlyIre && IRE_HEADLINE.has(s.key)) {
      out.push(s.text(s.value));
    } else if (inA !== s.value) {
      out.push(s.text(s.value));
    }
  }
  return out;
}

/** "B differs from A in: optimizer, κ = 4, γ = 0.6", or "B is identical to A". */
export function configDiffLine(ref: RunConfig, run: RunConfig): string {
  const d = configDifferences(ref, run);
  return d.length === 0 ? `${run.id} is identical to ${ref.id}` : `${run.id} differs from ${ref.id} in: ${d.join(', ')}`;
}
