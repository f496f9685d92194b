/*
** explain.c — `tirrun --explain`: the typed program (each statement with its
** value type) followed by each pipeline's registers, constants and bytecode.
** Opcode names and synopses come from the X-macro table in opcodes.h.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "vm.h"
#include "dates.h"
#include "decimal.h"

#define VM_X_NAME(name, syn) #name,
#define VM_X_SYN(name, syn) syn,
const char *const vm_opcode_names[VM_NOPCODES] = {VM_OPCODES(VM_X_NAME)};
const char *const vm_opcode_synopsis[VM_NOPCODES] = {VM_OPCODES(VM_X_SYN)};

static void put_schema(ir_buf *b, ir_arena *a, const ir_schema *s, int from, int to)
{
    for (int i = from; i < to; i++)
        ir_buf_printf(b, "%s%s: %s", i > from ? ", " : "", s->cols[i].name.s, ir_coltype_str(a, s->cols[i].ty));
}

static void put_type(ir_buf *b, ir_arena *a, const ir_stmt *s)
{
    switch (s->vkind) {
    case IR_VK_TUPLE:
        ir_buf_printf(b, "Tuple<");
        put_schema(b, a, &s->out, 0, s->out.n);
        break;
    case IR_VK_HASHTABLE:
        ir_buf_printf(b, "HashTable<");
        put_schema(b, a, &s->out, 0, s->ht_nkeys);
        ir_buf_printf(b, " -> ");
        put_schema(b, a, &s->out, s->ht_nkeys, s->out.n);
        break;
    case IR_VK_BLOOM:
        ir_buf_printf(b, "Bloom<");
        put_schema(b, a, &s->out, 0, s->out.n);
        break;
    default:
        ir_buf_printf(b, "Relation<");
        put_schema(b, a, &s->out, 0, s->out.n);
        break;
    }
    ir_buf_printf(b, ">");
    for (int k = 0; k < s->out.norder; k++) {
        const ir_sortkey *key = &s->out.order[k];
        ir_buf_printf(b, "%s%s%s%s", k ? ", " : " sorted by ", s->out.cols[key->col].name.s, key->desc ? " desc" : "",
                      key->nulls_first ? " nulls first" : "");
    }
}

static void put_const(ir_buf *b, const vm_const *k)
{
    if (k->param) {
        ir_buf_printf(b, "$%s", k->param->name.s);
        return;
    }
    if (k->ref) {
        ir_buf_printf(b, "%s.%s.%s", k->ref->pipeline->name.s, k->ref->target.s, k->ref->out.cols[k->field].name.s);
        return;
    }
    if (k->is_null) {
        ir_buf_printf(b, "null");
        return;
    }
    if (k->prec) {   /* a decimal literal, held as its scaled i64 (wide: __int128) */
        char d[48];
        if (k->type == TIR_DECIMAL128)
            vm_dec128_format(k->w, k->scale, d);
        else
            vm_dec_format(k->i, k->scale, d);
        ir_buf_printf(b, "%s", d);
        return;
    }
    switch (k->type) {
    case TIR_BOOL: ir_buf_printf(b, "%s", k->i ? "true" : "false"); break;
    case TIR_I32: case TIR_I64: ir_buf_printf(b, "%" PRId64, k->i); break;
    case TIR_F64: ir_buf_printf(b, "%.17g", k->f); break;
    case TIR_DATE: {
        char d[TIR_DATE_TEXT_SIZE];
        vm_date_text((int32_t)k->i, d);
        ir_buf_printf(b, "date \"%s\"", d);
        break;
    }
    case TIR_STRING: ir_buf_printf(b, "\"%.*s\"", (int)k->s.len, tir_str_ptr(&k->s)); break;
    case TIR_INTERVAL: {
        char iv[80];
        tir_interval_format((tir_interval){k->months, k->days, k->i}, iv);
        ir_buf_printf(b, "interval \"%s\"", iv);
        break;
    }
    default: break;
    }
}

static const char *cmp_symbol(const char *opname)
{
    static const char *const names[] = {"_EQ_", "_NE_", "_LT_", "_LE_", "_GT_", "_GE_"};
    static const char *const syms[] = {"==", "!=", "<", "<=", ">", ">="};
    char tmp[40];
    snprintf(tmp, sizeof tmp, "_%s_", opname);
    for (int i = 0; i < 6; i++)
        if (strstr(tmp, names[i]))
            return syms[i];
    return "<op>";
}

/* The synopsis with this instruction's operands filled in: r[a] -> r3,
** s[b] -> s2 (or "all"), k[d] -> k0, and the letter after words such as
** "join" or "slot" -> its number. */
static void put_synopsis(ir_buf *b, const vm_ins *in)
{
    static const char *const keywords[] = {"join ", "slot ", "build ", "group-by ", "counter ", "pc ",
                                           "type ", "column ", "relation ", "aggregate ", "frame ", "sort "};
    const int32_t ops[5] = {in->a, in->b, in->c, in->d, in->e};
    const char *s = vm_opcode_synopsis[in->op];
    while (*s) {
        if ((s[0] == 'r' || s[0] == 's' || s[0] == 'k') && s[1] == '[' && s[2] >= 'a' && s[2] <= 'e' && s[3] == ']') {
            int32_t v = ops[s[2] - 'a'];
            if (s[0] == 's' && v < 0)
                ir_buf_printf(b, "f%d", in->frame);
            else
                ir_buf_printf(b, "%c%d", s[0], v);
            s += 4;
            continue;
        }
        if (!strncmp(s, "<op>", 4)) {
            ir_buf_printf(b, "%s", cmp_symbol(vm_opcode_names[in->op]));
            s += 4;
            continue;
        }
        bool done = false;
        for (size_t k = 0; k < sizeof keywords / sizeof *keywords && !done; k++) {
            size_t n = strlen(keywords[k]);
            if (!strncmp(s, keywords[k], n) && s[n] >= 'a' && s[n] <= 'f' &&
                (s[n + 1] == 0 || s[n + 1] == ' ' || s[n + 1] == '\'' || s[n + 1] == ',' || s[n + 1] == ':' ||
                 s[n + 1] == ')')) {
                if (s[n] == 'f')
                    ir_buf_printf(b, "%.*sf%d", (int)n, s, in->frame);
                else
                    ir_buf_printf(b, "%.*s%d", (int)n, s, ops[s[n] - 'a']);
                s += n + 1;
                done = true;
            }
        }
        if (!done)
            ir_buf_printf(b, "%c", *s++);
    }
}

static void put_pipe(ir_buf *b, ir_arena *a, const vm_pipe *p)
{
    ir_buf_printf(b, "\nbytecode of %s: %d instructions, %d registers (r), %d selections (s; fN = every row of frame N), "
        "%d frames, %d constants (k)\n", p->ir->name.s, p->ncode, p->nregs, p->nsels, p->nframes, p->nconsts);
    for (int i = 0; i < p->nconsts; i++) {
        char tb[32];
        const vm_const *k = &p->consts[i];
        ir_buf_printf(b, "  k%-3d %-6s = ", i,
                      k->prec ? ir_type_text(k->type == TIR_DECIMAL128 ? TIR_DECIMAL128 : TIR_DECIMAL, k->prec, k->scale, tb) : tir_type_name(k->type));
        put_const(b, &p->consts[i]);
        ir_buf_printf(b, "\n");
    }
    for (int i = 0; i < p->scan.nprunes; i++) {
        const vm_prune *pr = &p->scan.prunes[i];
        ir_buf_printf(b, "  %s blocks whose %s has no value in [", p->scan.native ? "skip" : "(native tables) skip",
                      p->scan.stmt->out.cols[pr->col].name.s);
        pr->lo >= 0 ? ir_buf_printf(b, "k%d", pr->lo) : ir_buf_printf(b, "-inf");
        pr->hi >= 0 ? ir_buf_printf(b, ", k%d]\n", pr->hi) : ir_buf_printf(b, ", +inf]\n");
    }
    for (int i = 0; i < p->scan.nblooms; i++) {
        const vm_bloomuse *u = &p->scan.blooms[i];
        ir_buf_printf(b, "  drop rows%s whose %s is not in bloom %s.%s\n", p->scan.native ? " and blocks" : "",
                      p->scan.stmt->out.cols[u->col].name.s, u->bf->pipeline->name.s, u->bf->target.s);
    }
    for (int i = 0; i < p->nregs; i++) {
        const vm_regdef *r = &p->regs[i];
        ir_buf_printf(b, "  r%-3d %-6s f%d  %s%s", i, tir_type_name(r->type), r->frame, r->borrowed ? "scan " : "",
            r->what ? r->what : "");
        if (r->konst >= 0)
            ir_buf_printf(b, " (k%d)", r->konst);
        ir_buf_printf(b, "\n");
    }
    for (int pc = 0; pc < p->ncode; pc++) {
        const vm_ins *in = &p->code[pc];
        ir_buf_printf(b, "  %04d  f%d  %-16s ", pc, in->frame, vm_opcode_names[in->op]);
        put_synopsis(b, in);
        ir_buf_printf(b, "\n");
    }
    (void)a;
}

char *vm_explain(ir_arena *a, const vm_plan *plan)
{
    ir_buf b = {0};
    const ir_program *prog = plan->prog;
    ir_buf_printf(&b, "program %s: %d tables, %d pipelines, batch %u rows\n", prog->file, prog->ntables, prog->npipelines,
        plan->batch);
    for (int i = 0; i < prog->nparams; i++)
        ir_buf_printf(&b, "%s$%s: %s%s\n", i ? "" : "\n", prog->params[i]->name.s,
                      tir_type_name(prog->params[i]->ty.type), prog->params[i]->ty.nullable ? " nullable" : "");
    for (int i = 0; i < prog->ntables; i++) {
        const ir_table *t = prog->tables[i];
        ir_buf_printf(&b, "\n%s: Table = %s(\"%s\") {", t->name.s, t->source.s,
                      t->path ? t->path : t->host_name ? t->host_name : "");
        put_schema(&b, a, &t->schema, 0, t->schema.n);
        ir_buf_printf(&b, "}\n");
    }
    for (int i = 0; i < plan->npipes; i++) {
        const vm_pipe *p = &plan->pipes[i];
        const ir_pipeline *pl = p->ir;
        ir_buf_printf(&b, "\n%s: Pipeline (step %d", pl->name.s, i + 1);
        for (int d = 0; d < pl->ndeps; d++)
            ir_buf_printf(&b, "%s%s", d ? ", " : "; after ", pl->deps[d]->name.s);
        ir_buf_printf(&b, ")\n");
        for (int s = 0; s < pl->n; s++) {
            const ir_stmt *st = pl->stmts[s];
            ir_buf_printf(&b, "  %s = %s", st->target.s, st->op.s);
            if (st->kind == IR_OP_SCAN && st->u.scan.table)
                ir_buf_printf(&b, " %s", st->u.scan.table->name.s);
            else if (st->kind == IR_OP_SCAN && st->u.scan.src_stmt)
                ir_buf_printf(&b, " %s.%s", st->u.scan.src_stmt->pipeline->name.s, st->u.scan.src_stmt->target.s);
            for (int k = 0; st->kind == IR_OP_UNION && k < st->u.uni.n; k++) {
                const ir_unionin *u = &st->u.uni.in[k];
                if (u->table)
                    ir_buf_printf(&b, "%s%s", k ? ", " : " ", u->table->name.s);
                else
                    ir_buf_printf(&b, "%s%s.%s", k ? ", " : " ", u->rel->pipeline->name.s, u->rel->target.s);
            }
            if (st->input)
                ir_buf_printf(&b, " %s", st->input->target.s);
            if (st->kind == IR_OP_HASH_JOIN) {
                ir_buf_printf(&b, " %s with %s.%s", ir_joinkind_name(st->u.join.jkind),
                              st->u.join.ht->pipeline->name.s, st->u.join.ht->target.s);
                if (st->u.join.cond)
                    ir_buf_printf(&b, " if %s", ir_expr_str(a, st->u.join.cond));
            }
            if (st->kind == IR_OP_MERGE_JOIN) {
                const ir_stmt *r = st->u.mjoin.rstmt;
                ir_buf_printf(&b, " %s with ", ir_joinkind_name(st->u.mjoin.jkind));
                if (r)
                    ir_buf_printf(&b, "%s.%s", r->pipeline->name.s, r->target.s);
                else
                    ir_buf_printf(&b, "%s", st->u.mjoin.rtable->name.s);
                for (int k = 0; k < st->u.mjoin.nkeys; k++)
                    ir_buf_printf(&b, "%s%s = %s", k ? ", " : " on ", st->u.mjoin.keys[k]->u.col.name.s,
                                  st->u.mjoin.rschema->cols[st->u.mjoin.rkeys[k]].name.s);
            }
            if (st->kind == IR_OP_SORT && st->u.sort.limit >= 0)
                ir_buf_printf(&b, " top %lld after %lld", (long long)st->u.sort.limit, (long long)st->u.sort.offset);
            if (st->kind == IR_OP_FILTER)
                ir_buf_printf(&b, " [%s]", ir_expr_str(a, st->u.filter.pred));
            ir_buf_printf(&b, "\n      : ");
            put_type(&b, a, st);
            ir_buf_printf(&b, "\n");
        }
        put_pipe(&b, a, p);
    }
    for (int o = 0; o < prog->noutputs; o++)
        ir_buf_printf(&b, "\noutput %s", prog->outputs[o].name);
    ir_buf_printf(&b, "\n");
    return ir_buf_finish(&b, a);
}
