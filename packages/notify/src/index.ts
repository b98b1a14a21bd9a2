export { parseNotifyConfig, readNotifyConfig, type NotifyConfig } from './config.js';
export { startNotifier, type Notifier, type NotifierDeps } from './notifier.js';
export { routeEvent, describeRoutes, type Route, type RouteHit } from './routes.js';
export { RECEIVER_TYPES, type Receiver, type Notification, DeliveryError } from './receivers/index.js';
export { sign, SIGNATURE_HEADER, DELIVERY_HEADER } from './receivers/webhook.js';
