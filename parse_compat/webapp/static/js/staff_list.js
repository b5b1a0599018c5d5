// The practice's staff accounts an administrator can read (removed accounts are hidden by the server).

export async function staffUsers() {
  return new Parse.Query(Parse.User).ascending('username').limit(500).find();
}
