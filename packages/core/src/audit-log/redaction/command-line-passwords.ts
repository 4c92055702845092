/**
 * `mysql -u root -pS3cret -h db` (and mysqldump, mysqladmin, mariadb…): the password is glued to
 * `-p`. A bare `-p` (followed by a space) asks for it on the terminal and stays; `-P 3306` is the
 * port. `--password=…` is covered by the key-value scanner.
 */
const MYSQL_PASSWORD =
  /(\b(?:mysql|mariadb)[a-z-]*\b[^\n;|&]{0,300}?\s-p)(?:"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"'`;|&]{1,200})/g;

/** Replaces the password given with `-p<password>` on MySQL / MariaDB command lines. */
export function redactCommandLinePasswords(text: string, marker: string): string {
  if (!text.includes(' -p')) return text;
  MYSQL_PASSWORD.lastIndex = 0;
  return text.replace(MYSQL_PASSWORD, (_match, command: string) => `${command}${marker}`);
}
