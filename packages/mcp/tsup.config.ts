import { preset } from '@tristack/build';

export default preset();
