export const packageName = '@tristack/arcade';
