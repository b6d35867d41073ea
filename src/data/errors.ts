// The one error type of the data layer. Every message names the problem in the user's terms
// (which file, which byte, which limit), so hosts can show it as is, before any GPU work.

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
