export { withTristack, TristackChatModel, type WithTristackOptions } from './with-tristack.js';
