/** Failure predictions: series, trend rules, the predictor, its API and events. */
export { SeriesStore, DEFAULT_SERIES_OPTIONS, BYTES_PER_BUCKET, seriesId, type SeriesStoreOptions } from './series-store.js';
export { SeriesPersistence } from './series-persistence.js';
export { HeartbeatFeed, type HeartbeatSample } from './heartbeat-feed.js';
export { Predictor } from './predictor.js';
export { DEFAULT_PREDICTOR_OPTIONS, type PredictorOptions, type PredictorDeps, type PredictionSink, type RuleStats } from './predictor-options.js';
export { PredictionStore, type PredictionFilter } from './prediction-store.js';
export { predictionEvent, predictionSubject, type PredictionEventData, type PredictionEventName } from './prediction-events.js';
export { predictionView, type PredictionView, type HostPredictionsView } from './views.js';
export { predictionRoutes } from './routes.js';
export { predictionQuery, predictionOut, predictionList, hostPredictions } from './schemas.js';
export { linkPredictionsToIncident, type PredictionLinker, type PredictionSource } from './incident-link.js';
export { RULES, RULE_NAMES, compileRules, onlyRules, type RuleName, type RuleOverrides, type RuleSettingsMap, type CompiledRule, type Verdict, type RuleInput } from './rules/index.js';
export { fitLine, crossingTime, confidenceOf, median, type LineFit } from './trend.js';
export * as synthetic from './synthetic.js';
export { PredictionHarness, memoryDb, type HarnessOptions } from './harness.js';
export * from './types.js';
